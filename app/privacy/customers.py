"""A customer as a privacy request names them, and the places that hold their data.

Every feature that stores personal data adds a `PersonalData` holder: one below privacy to
`HOLDERS`, one above it (initiatives) in `app/wiring.py`'s `personal_data()`, which the runtime
carries. Export and erasure then reach it without the privacy code knowing its tables."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.privacy import CommerceMirror
from app.webhooks import repository as inbox

REDACTED = "[redacted]"


@dataclass(frozen=True)
class CustomerRef:
    platform_id: str | None
    email: str | None
    phone: str | None = None

    @property
    def needles(self) -> list[str]:
        return [value for value in (self.platform_id, self.email, self.phone) if value]

    @property
    def label(self) -> str:
        return self.platform_id or self.email or self.phone or "unknown"

    def matches(self, person: object) -> bool:
        """Does a payload's customer/billing object describe this customer?"""
        if not isinstance(person, dict):
            return False
        same_id = self.platform_id is not None and str(person.get("id")) == self.platform_id
        email = str(person.get("email") or "").strip().lower()
        same_email = self.email is not None and email == self.email.strip().lower()
        return same_id or same_email


class PersonalData(Protocol):
    async def export(self, session: AsyncSession, shop_id: int, customer: CustomerRef) -> Any: ...

    async def erase(self, session: AsyncSession, shop_id: int, customer: CustomerRef) -> int: ...


class InboxPayloads:
    """Raw webhook bodies: they carry names, emails and addresses of the people in them."""

    async def export(self, session: AsyncSession, shop_id: int, customer: CustomerRef) -> Any:
        events = await inbox.shop_events_mentioning(session, shop_id, customer.needles)
        return [
            {
                "topic": e.topic,
                "received_at": e.received_at.isoformat(),
                "payload": json.loads(e.payload),
            }
            for e in events
            if _mentions(json.loads(e.payload), customer)
        ]

    async def erase(self, session: AsyncSession, shop_id: int, customer: CustomerRef) -> int:
        erased = 0
        for event in await inbox.shop_events_mentioning(session, shop_id, customer.needles):
            body = json.loads(event.payload)
            if _mentions(body, customer):
                event.payload = json.dumps(redact_people(body, customer))
                erased += 1
        await session.flush()
        return erased


# Keys under which platforms put people, and the personal fields inside them.
_PERSON_KEYS = ("customer", "billing", "shipping", "billing_address", "shipping_address")
_PERSONAL_FIELDS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "name",
    "address1",
    "address2",
    "company",
)


def _mentions(body: object, customer: CustomerRef) -> bool:
    if not isinstance(body, dict):
        return False
    if customer.email and str(body.get("email") or "").lower() == customer.email.lower():
        return True
    return any(customer.matches(body.get(key)) for key in _PERSON_KEYS) or customer.matches(body)


def redact_people(body: dict[str, Any], customer: CustomerRef) -> dict[str, Any]:
    """The payload with the customer's personal fields blanked; amounts and ids stay, so
    anonymous totals are unchanged."""
    cleaned = dict(body)
    for field in ("email", "contact_email", "phone"):
        if field in cleaned:
            cleaned[field] = REDACTED
    for key in _PERSON_KEYS:
        person = cleaned.get(key)
        if isinstance(person, dict):
            cleaned[key] = {
                k: (REDACTED if k in _PERSONAL_FIELDS else v) for k, v in person.items()
            }
    if customer.matches(body):
        cleaned = {k: (REDACTED if k in _PERSONAL_FIELDS else v) for k, v in cleaned.items()}
    return cleaned


HOLDERS: dict[str, PersonalData] = {
    "webhook_payloads": InboxPayloads(),
    "store_mirror": CommerceMirror(),
}
