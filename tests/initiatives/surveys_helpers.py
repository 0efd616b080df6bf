"""Surveys in the test store: a survey initiative switched on through the API, a returning
customer's orders from real order webhooks, the survey e-mail from the real SMTP server, and
its one-click links followed through the app. Times are taken when each test runs."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from email.header import decode_header, make_header
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlmodel import col, select

from app.db import utcnow
from app.initiatives.models import Initiative
from app.initiatives.surveys.models import SurveyInvitation, SurveyResponse
from app.initiatives.surveys.tasks import sweep_surveys
from app.metrics.models import SurveyScore
from tests.fixtures.payloads import payload
from tests.initiatives.helpers import Store
from tests.initiatives.test_recovery import parts

LENA = "lena.hoffmann@example.com"
LENA_ID = 7523148894362  # the customer of the shopify_order payload
PUBLIC = "https://storeokr.test"


async def survey(store: Store, **settings: Any) -> int:
    """A survey initiative switched on through the API, active since two months ago."""
    made = await store.api("POST", "", 201, type="survey", name="How did we do?", settings=settings)
    await store.api("POST", f"/{made['id']}/activate")
    async with store.runtime.transaction() as session:
        await session.exec(
            update(Initiative)
            .where(col(Initiative.id) == made["id"])
            .values(activated_at=utcnow() - timedelta(days=60))
        )
    return int(made["id"])


async def order(
    store: Store,
    *,
    days_ago: float,
    customer_id: int = LENA_ID,
    email: str = LENA,
    consent: bool = True,
    **fields: Any,
) -> str:
    """An order of the customer placed `days_ago` days ago, from a real webhook (`fields`
    override the payload's, e.g. `test=True`); its id."""
    body = payload("shopify_order")
    placed = (utcnow() - timedelta(days=days_ago)).replace(microsecond=0).isoformat()
    order_id = int(uuid.uuid4().int % 10**12)
    body.update(
        id=order_id, email=email, created_at=placed, updated_at=placed, processed_at=placed,
        buyer_accepts_marketing=consent, checkout_token=None, **fields,
    )  # fmt: skip
    consented = {"state": "subscribed" if consent else "not_subscribed"}
    body["customer"] = {
        **body["customer"], "id": customer_id, "email": email,
        "email_marketing_consent": consented,
    }  # fmt: skip
    await store.deliver("orders/create", body)
    return str(order_id)


async def sweep(store: Store) -> None:
    await store.run(sweep_surveys)


def score_links(store: Store, index: int = -1) -> dict[int, str]:
    """Score → the path of its one-click link, in the e-mail `index` of the inbox (the
    tracking redirect each link goes through, as a mail client follows it)."""
    text, _html = parts(store.inbox.messages[index])
    found = re.findall(r"^(\d{1,2}): https://storeokr\.test(/m/c/[A-Za-z0-9._-]+)\r?$", text, re.M)
    return {int(score): path for score, path in found}


def subject(store: Store, index: int = -1) -> str:
    return str(make_header(decode_header(store.inbox.messages[index]["Subject"])))


async def click(store: Store, path: str) -> Any:
    """Follow a tracked link to our page, as a browser does."""
    redirect = await store.connected.client.get(path)
    assert redirect.status_code == 302, redirect.text
    target = urlsplit(redirect.headers["location"])
    return await store.connected.client.get(target.path)


async def rows(store: Store, model: Any) -> list[Any]:
    async with store.runtime.transaction() as session:
        return list((await session.exec(select(model).order_by(col(model.id)))).all())


async def responses(store: Store) -> list[SurveyResponse]:
    return await rows(store, SurveyResponse)


async def invitations(store: Store) -> list[SurveyInvitation]:
    return await rows(store, SurveyInvitation)


async def scores(store: Store) -> list[SurveyScore]:
    return await rows(store, SurveyScore)
