"""What messaging tells the layers above after its own commits: the send log or the
unsubscribe list changed. Messaging is infrastructure and never imports metrics, so the
marketing metrics read from the log (`app.metrics.marketing`) hear of a change only this way,
through a subscriber wired in `app/wiring.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.events import DomainEvent


@dataclass(frozen=True)
class MessagesMoved(DomainEvent):
    """A marketing message was handed to the SMTP server, opened or clicked for the first
    time, or an address unsubscribed — at `at` (the moment the metrics count it on)."""

    at: datetime
