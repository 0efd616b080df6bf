"""The demo's survey widget: returning shoppers on their order's thank-you page, as the widget's
script would ask them (`app/initiatives/surveys/static/widget.js`): from the store's own origin,
with the order id signed by the store's server (`links.order_reference`), nothing else about
them. Some answer the first question, by the same seeded random as the e-mail's readers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from app.config import Settings
from app.demo.mail import SCORE_WEIGHTS
from app.demo.shoppers import DemoStore
from app.initiatives.surveys.links import order_reference

ANSWER_SHARE = 0.5  # of the thank-you pages, how many shoppers answer the widget
# The order's webhook must have reached StoreOKR before the widget asks (it asks nothing about
# an order it does not know yet, as it would on a real store a few seconds behind).
ASK_AFTER = timedelta(seconds=10)


@dataclass
class Pollsters:
    store: DemoStore
    http: httpx.AsyncClient
    settings: Settings
    shop_id: int
    survey_id: int
    origin: str  # the store's own, the only one the widget answers from
    seed: int
    since: datetime  # thank-you pages before this are the store's past
    answered: list[int] = field(default_factory=list)  # the scores given

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._seen = 0

    async def answer(self, now: datetime) -> None:
        """The shoppers whose thank-you page opened long enough ago see the widget."""
        pages = self.store.thank_you_pages
        due = [p for p in pages[self._seen :] if p[1] <= now - ASK_AFTER]
        self._seen += len(due)
        for order_id, at in due:
            if at >= self.since and self._rng.random() < ANSWER_SHARE:
                await self._answer_one(order_id)

    async def _answer_one(self, order_id: str) -> None:
        base = self.settings.public(f"/w/{self.survey_id}")
        reference = order_reference(self.settings, self.shop_id, self.survey_id, order_id)
        headers = {"Origin": self.origin}
        asked = await self.http.get(
            f"{base}/questions", params={"order": reference}, headers=headers
        )
        if asked.status_code != 200:
            return  # not a returning customer's order to StoreOKR, or already answered
        lead = asked.json()["questions"][0]
        score = self._rng.choices(lead["scale"], [SCORE_WEIGHTS[s] for s in lead["scale"]])[0]
        body = {"order": reference, "answers": {lead["id"]: score}}
        posted = await self.http.post(f"{base}/answers", json=body, headers=headers)
        if posted.status_code == 204:
            self.answered.append(score)
