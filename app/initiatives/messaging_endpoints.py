"""The shop's messaging settings over the JSON API: `GET|PUT /api/v1/messaging/settings`.

They live in `app.messaging` (infrastructure, beneath every feature); this is the signed-in
door to them, in the layer that sends marketing. A PUT replaces them whole (a field left out
takes its default); a wrong field is a 422 with one sentence for each, and nothing changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.auth.dependencies import ShopDep
from app.deps import SessionDep
from app.messaging import shop_settings
from app.messaging.rules import QUIET_END, QUIET_START
from app.messaging.shop_settings import DEFAULT_CAP_HOURS, Choice, Messaging, clock

router = APIRouter(prefix="/api/v1/messaging", tags=["messaging"])
# Far beyond any valid value: a longer text is refused before it is looked at.
Typed = Annotated[str, Field(max_length=1000)]


class MessagingSettingsIn(BaseModel):
    """The shop's marketing e-mail settings. `sender_name` and `reply_to` empty or null: the
    shop's own name and e-mail address. `frequency_cap_hours` 8–168 (24): at most one
    marketing e-mail per customer per that many hours, across every initiative.
    `quiet_hours` (true) from `quiet_start` to `quiet_end` (HH:MM, shop-local; 21:00–08:00):
    an e-mail due then waits for the end."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sender_name": "Lena at Alpine Outfitters",
                    "reply_to": "hello@alpine.example",
                    "frequency_cap_hours": 24,
                    "quiet_hours": True,
                    "quiet_start": "21:00",
                    "quiet_end": "08:00",
                }
            ]
        },
    )
    sender_name: Typed | None = None
    reply_to: Typed | None = None
    frequency_cap_hours: int = DEFAULT_CAP_HOURS
    quiet_hours: bool = True
    quiet_start: Typed = clock(QUIET_START)
    quiet_end: Typed = clock(QUIET_END)
    owner_alerts: bool = True  # e-mail the shop's owner when a key result's status drops


class MessagingSettingsOut(BaseModel):
    """The settings as they apply: `sender_name` / `reply_to` are the shop's own unless
    `custom_sender_name` / `custom_reply_to`."""

    sender_name: str | None
    reply_to: str | None
    custom_sender_name: bool
    custom_reply_to: bool
    frequency_cap_hours: int
    quiet_hours: bool
    quiet_start: str
    quiet_end: str
    owner_alerts: bool


@router.get("/settings")
async def get_settings(shop: ShopDep, session: SessionDep) -> MessagingSettingsOut:
    """The shop's messaging settings (the defaults until changed)."""
    return _out(await shop_settings.messaging_of(session, shop.id))


@router.put("/settings")
async def put_settings(
    body: MessagingSettingsIn, shop: ShopDep, session: SessionDep
) -> MessagingSettingsOut:
    """Replace the shop's messaging settings; 422 naming each wrong field, nothing saved."""
    choice = Choice(
        sender_name=body.sender_name or "",
        reply_to=body.reply_to or "",
        frequency_cap_hours=body.frequency_cap_hours,
        quiet_hours=body.quiet_hours,
        quiet_start=body.quiet_start,
        quiet_end=body.quiet_end,
        owner_alerts=body.owner_alerts,
    )
    return _out(await shop_settings.save(session, shop.id, choice))


def _out(messaging: Messaging) -> MessagingSettingsOut:
    return MessagingSettingsOut(
        sender_name=messaging.sender_name,
        reply_to=messaging.reply_to,
        custom_sender_name=messaging.custom_sender_name,
        custom_reply_to=messaging.custom_reply_to,
        frequency_cap_hours=messaging.frequency_cap_hours,
        quiet_hours=messaging.quiet_hours,
        quiet_start=clock(messaging.quiet_start),
        quiet_end=clock(messaging.quiet_end),
        owner_alerts=messaging.owner_alerts,
    )
