"""What surveys hold on a customer, for privacy requests (registered in `app/wiring.py`'s
`personal_data()`, beside the other initiatives' holder, which forgets the send log's address
digests of every initiative's e-mails, surveys' included).

A redaction cancels the customer's pending invitations, gives their invitations an anonymous
key, and takes from their responses the customer link and the free text: the scores and the
choices stay, naming no one, and so do the metrics' score rows (`survey_scores`, which never
named anyone) — NPS, CES and the response counts keep them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce.privacy import customer_keys
from app.db import utcnow
from app.initiatives.models import EnrollmentStatus
from app.initiatives.privacy import REDACTED
from app.initiatives.surveys.models import SurveyInvitation, SurveyResponse
from app.privacy.customers import CustomerRef


class SurveysPersonalData:
    async def export(self, session: AsyncSession, shop_id: int, customer: CustomerRef) -> Any:
        keys = await customer_keys(session, shop_id, customer)
        responses = await session.exec(
            select(SurveyResponse).where(
                SurveyResponse.shop_id == shop_id, col(SurveyResponse.customer_key).in_(keys)
            )
        )
        invitations = await session.exec(
            select(SurveyInvitation).where(
                SurveyInvitation.shop_id == shop_id, col(SurveyInvitation.customer_key).in_(keys)
            )
        )
        return {
            "survey_responses": [
                r.model_dump(mode="json", exclude={"shop_id"}) for r in responses.all()
            ],
            "survey_invitations": [
                i.model_dump(mode="json", exclude={"shop_id"}) for i in invitations.all()
            ],
        }

    async def erase(self, session: AsyncSession, shop_id: int, customer: CustomerRef) -> int:
        keys = await customer_keys(session, shop_id, customer)
        now = utcnow()
        await session.exec(
            update(SurveyInvitation)
            .where(
                col(SurveyInvitation.shop_id) == shop_id,
                col(SurveyInvitation.customer_key).in_(keys),
                col(SurveyInvitation.status) == EnrollmentStatus.ACTIVE,
            )
            .values(
                status=EnrollmentStatus.CANCELLED,
                end_reason=REDACTED,
                ended_at=now,
                next_due_at=None,
            )  # fmt: skip
        )
        changed = 0
        for key in keys:  # one anonymous key per key, as the mirror does
            invitations = await session.exec(
                update(SurveyInvitation)
                .where(
                    col(SurveyInvitation.shop_id) == shop_id,
                    col(SurveyInvitation.customer_key) == key,
                )
                .values(customer_key=f"redacted:{uuid.uuid4().hex}")
            )
            changed += invitations.rowcount or 0
        responses = await session.exec(
            update(SurveyResponse)
            .where(
                col(SurveyResponse.shop_id) == shop_id,
                col(SurveyResponse.customer_key).in_(keys),
            )
            .values(customer_key=None, comments={}, updated_at=now)
        )
        return changed + (responses.rowcount or 0)
