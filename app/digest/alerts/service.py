"""Checking a shop's key results for status drops and telling its owner.

A check evaluates every key result of the shop's open cycles with the one status rule
(`app.okr.health`), notes each status (`records.observe`) and, for those that dropped, takes
this week's alert (`records.claim_week`) — all in one transaction, committed before the e-mail
is sent, so that no lock is held while the SMTP server answers. An e-mail that does not go
gives its weeks back, and its drops, for a later check to tell. Without e-mail (none
configured, alerts switched off, no shop address) the drops are still noted: the dashboard
and the key result's page show them, and a "statuses" live message after the commit has the
open ones fetch them again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.digest.alerts import records
from app.digest.alerts.content import alert_email
from app.digest.alerts.records import Drop
from app.digest.models import DigestSettings
from app.live.publish import publish_after_commit
from app.messaging.email import Email, send_email
from app.messaging.shop_settings import messaging_of
from app.okr.evaluation import evaluate_key_result
from app.okr.health import Health
from app.okr.service import bands_for, open_key_results, today_for
from app.runtime import Runtime
from app.shops.models import Shop, ShopStatus

logger = logging.getLogger(__name__)
SETTINGS_PATH = "/admin/email-settings"
# The live message a check sends when it noted a status change (the admin's live.js refreshes
# its live parts on it, as on "key_results").
STATUSES_MESSAGE = "statuses"


@dataclass(frozen=True)
class Alert:
    """The e-mail a check claimed: to whom, in which language, about which drops."""

    shop: Shop
    to: str
    locale: str
    drops: list[Drop]
    week: date  # the week claimed for each of them


async def check_shop(runtime: Runtime, shop_id: int) -> list[Drop]:
    """Note the shop's key results' statuses; e-mail the owner about the drops whose week was
    free. The drops e-mailed."""
    async with runtime.transaction() as session:
        alert = await _note_and_claim(session, runtime.settings, shop_id)
    if alert is None:
        return []
    try:
        await send_email(runtime.settings, _email(runtime.settings, alert))
    except BaseException:
        # Whatever failed, weeks left claimed would never be told: give them back.
        async with runtime.transaction() as session:
            await records.release(session, alert.drops, alert.week)
        raise
    return alert.drops


async def current_statuses(session: AsyncSession, shop: Shop) -> dict[int, tuple[str, Health]]:
    """Key result id → (title, status) for the shop's open key results that have a status."""
    today = today_for(shop)
    bands = await bands_for(session, shop.id or 0)
    statuses: dict[int, tuple[str, Health]] = {}
    for kr, cycle in await open_key_results(session, shop.id or 0):
        status = await evaluate_key_result(session, shop.id or 0, kr, cycle, today, bands)
        if kr.id is not None and status.health is not None:
            statuses[kr.id] = (kr.title, status.health)
    return statuses


async def _note_and_claim(session: AsyncSession, settings: Settings, shop_id: int) -> Alert | None:
    shop = await session.get(Shop, shop_id)
    if shop is None or shop.status is not ShopStatus.ACTIVE:
        return None
    now = utcnow()
    statuses = await current_statuses(session, shop)
    seen = {kr_id: health for kr_id, (_title, health) in statuses.items()}
    noted = await records.observe(session, shop_id, seen, now)
    if noted.moved:  # open dashboards and key result pages show drops: they fetch them again
        moved = [{"id": kr_id, "health": seen[kr_id].value} for kr_id in noted.moved]
        publish_after_commit(session, shop_id, STATUSES_MESSAGE, {"key_results": moved})
    dropped = noted.dropped
    to = await _recipient(session, settings, shop) if dropped else None
    if to is None:
        return None
    week = records.week_of(today_for(shop))
    drops = []
    for kr_id, before in dropped.items():
        if await records.claim_week(session, kr_id, week, now):
            title, after = statuses[kr_id]
            drops.append(Drop(kr_id, title, before, after))
    if not drops:
        return None
    digest = await session.get(DigestSettings, shop_id)
    return Alert(shop, to, digest.locale if digest else "en", drops, week)


async def _recipient(session: AsyncSession, settings: Settings, shop: Shop) -> str | None:
    """The shop's own address, when alerts can and may be e-mailed."""
    if not settings.smtp_host or not shop.email:
        return None
    messaging = await messaging_of(session, shop.id or 0)
    return shop.email if messaging.owner_alerts else None


def _email(settings: Settings, alert: Alert) -> Email:
    return alert_email(
        alert.shop,
        alert.drops,
        alert.to,
        alert.locale,
        settings.public(),
        settings.public(SETTINGS_PATH),
    )
