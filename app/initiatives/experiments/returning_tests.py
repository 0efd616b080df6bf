"""The "three tests for returning customers" template: three ready experiments, made as drafts
in one step, each with a 10 % holdout and linked to the shop's loyalty key result when it has
one — a win-back's discount level (10 % against 20 %), a recovery's timing (the first e-mail
after one hour against four), and a survey's invitation with or without a reason to answer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from app.initiatives import service
from app.initiatives.models import Initiative, InitiativeType
from app.initiatives.schemas import InitiativeIn, Variant
from app.okr.service import open_key_results

HOLDOUT = 0.1
# Key results about customers coming back, the most direct first.
LOYALTY_METRICS = (
    "returning_customers",
    "repeat_purchase_rate",
    "returning_customer_rate",
    "reactivated_customers",
    "nps",
)
NAMES = {
    "en": ("Returning customers: discount level", "Returning customers: e-mail timing",
           "Returning customers: a reason to answer"),
    "es": ("Clientes recurrentes: nivel de descuento", "Clientes recurrentes: momento del e-mail",
           "Clientes recurrentes: un motivo para responder"),
    "de": ("Stammkunden: Rabatthöhe", "Stammkunden: Zeitpunkt der E-Mail",
           "Stammkunden: ein Grund zu antworten"),
}  # fmt: skip
REASON = {
    "en": "Your answer takes one click, and it decides what we improve next.",
    "es": "Responder lleva un clic, y decide qué mejoramos a continuación.",
    "de": "Die Antwort kostet einen Klick und entscheidet, was wir als Nächstes verbessern.",
}


async def loyalty_key_result(session: AsyncSession, shop_id: int) -> int | None:
    """The shop's open key result that measures customers coming back, if any."""
    found = {kr.metric_key: kr.id for kr, _cycle in await open_key_results(session, shop_id)}
    return next((found[m] for m in LOYALTY_METRICS if found.get(m) is not None), None)


def bodies(language: str, key_result_id: int | None) -> list[InitiativeIn]:
    names = NAMES.get(language, NAMES["en"])
    linked = [key_result_id] if key_result_id is not None else []
    return [
        InitiativeIn(
            type=InitiativeType.WIN_BACK, name=names[0], settings={"language": language},
            variants=[Variant(key="ten", discount_value=Decimal(10)),
                      Variant(key="twenty", discount_value=Decimal(20))],
            holdout_share=HOLDOUT, key_result_ids=linked,
        ),
        InitiativeIn(
            type=InitiativeType.ABANDONED_CHECKOUT, name=names[1],
            settings={"language": language},
            variants=[Variant(key="one-hour", delay_minutes=60),
                      Variant(key="four-hours", delay_minutes=240)],
            holdout_share=HOLDOUT, key_result_ids=linked,
        ),
        InitiativeIn(
            type=InitiativeType.SURVEY, name=names[2], settings={"language": language},
            variants=[Variant(key="plain"),
                      Variant(key="reason", content=REASON.get(language, REASON["en"]))],
            holdout_share=HOLDOUT, key_result_ids=linked,
        ),
    ]  # fmt: skip


async def create(
    session: AsyncSession, shop_id: int, language: str, actor: str, now: datetime
) -> list[Initiative]:
    """The three experiments, as drafts of the shop."""
    key_result_id = await loyalty_key_result(session, shop_id)
    return [
        await service.create(session, shop_id, body, actor, now)
        for body in bodies(language, key_result_id)
    ]
