"""An initiative's life, as a pure function: draft → active ⇄ paused → ended.

Asking for the state it is already in changes nothing (activating an active initiative is
answered, not refused); a move the life does not allow is a 409 with a sentence."""

from __future__ import annotations

from app.errors import Conflict
from app.initiatives.models import InitiativeStatus

DRAFT, ACTIVE, PAUSED, ENDED = (
    InitiativeStatus.DRAFT,
    InitiativeStatus.ACTIVE,
    InitiativeStatus.PAUSED,
    InitiativeStatus.ENDED,
)
ALLOWED: dict[InitiativeStatus, frozenset[InitiativeStatus]] = {
    DRAFT: frozenset({ACTIVE, ENDED}),
    ACTIVE: frozenset({PAUSED, ENDED}),
    PAUSED: frozenset({ACTIVE, ENDED}),
    ENDED: frozenset(),
}
VERBS = {ACTIVE: "activated", PAUSED: "paused", ENDED: "ended"}
WHY = {
    DRAFT: "a draft is activated first, or ended",
    ENDED: "an ended initiative stays ended: create a new one instead",
}


def moved(current: InitiativeStatus, wanted: InitiativeStatus) -> bool:
    """Whether going from `current` to `wanted` changes anything; Conflict if not allowed."""
    if current is wanted:
        return False
    if wanted not in ALLOWED[current]:
        why = WHY.get(current, "")
        raise Conflict(
            f"an initiative that is {current.value} cannot be {VERBS[wanted]}"
            + (f": {why}" if why else "")
        )
    return True
