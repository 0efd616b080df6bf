"""Moving an objective or key result one place among its siblings."""

from __future__ import annotations

from typing import Literal, Protocol, TypeVar


class Positioned(Protocol):
    position: int


Item = TypeVar("Item", bound=Positioned)


def move(siblings: list[Item], item: Item, direction: Literal["up", "down"]) -> None:
    """Swap `item` with its neighbour and number the siblings 0, 1, 2, … (positions written
    by older versions or equal ones become a clean order). At either end nothing moves."""
    order = list(siblings)
    index = next(i for i, sibling in enumerate(order) if sibling is item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    for position, sibling in enumerate(order):
        sibling.position = position
