"""The lapse threshold the shop's own orders give today, in a sentence: what "from my store's
own rhythm" means for this shop now (`app.initiatives.lapse`), shown next to the choice."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.admin.formats import percent
from app.admin.i18n import ngettext
from app.initiatives.lapse import MIN_GAPS, lapse_threshold
from app.initiatives.settings import win_back_settings


async def rhythm_sentence(
    session: AsyncSession, shop_id: int, stored: dict[str, Any], now: datetime
) -> str:
    """The threshold the shop's rhythm gives today at the settings' percentile (whatever the
    settings choose: the merchant compares it with a fixed number)."""
    settings = win_back_settings(stored).model_copy(update={"lapse_days": None})
    found = await lapse_threshold(session, shop_id, settings, now)
    if found.derived:
        return ngettext(
            "Today your store's own rhythm gives %(days)d days: %(share)s of the customers who "
            "ordered again did so within that time (from %(num)d time between orders in the "
            "last two years).",
            "Today your store's own rhythm gives %(days)d days: %(share)s of the customers who "
            "ordered again did so within that time (from %(num)d times between orders in the "
            "last two years).",
            found.gaps,
        ) % {
            "days": found.days,
            "share": percent(Decimal(settings.lapse_percentile) / 100),
            "num": found.gaps,
        }
    return ngettext(
        "Your store's orders do not show a rhythm yet (%(num)d time between a customer's orders "
        "in the last two years, %(needed)d are needed): customers count as lapsed after "
        "%(days)d days until they do.",
        "Your store's orders do not show a rhythm yet (%(num)d times between a customer's "
        "orders in the last two years, %(needed)d are needed): customers count as lapsed after "
        "%(days)d days until they do.",
        found.gaps,
    ) % {"num": found.gaps, "needed": MIN_GAPS, "days": found.days}
