"""What happens to a shop's connection, for the layers above to react to (`app/wiring.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from app.events import DomainEvent


@dataclass(frozen=True)
class ShopConnected(DomainEvent):
    """A shop's details were read and its webhooks subscribed: it is ready to be used."""
