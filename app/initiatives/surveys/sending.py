"""Sending a survey invitation: a keyed job per invitation (`send`), queued by the sweep when
due, re-checks at send time that the survey is on, the shop connected and the order not yet
answered (the widget may have been quicker), then sends through
`app.messaging.marketing.send_marketing` — consent, unsubscribe, the cap shared with every
other initiative, quiet hours in the shop's zone and the idempotent send log — so a job run
twice sends once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.commerce import repository as mirror
from app.initiatives import steps
from app.initiatives.experiments import variants as experiment_variants
from app.initiatives.experiments.assignment import group_of
from app.initiatives.models import EnrollmentStatus
from app.initiatives.settings import consent_required
from app.initiatives.surveys import links
from app.initiatives.surveys.answers import response_for
from app.initiatives.surveys.emails import survey_email
from app.initiatives.surveys.models import SurveyInvitation
from app.initiatives.surveys.settings import survey_settings
from app.messaging.email import Email
from app.messaging.marketing import Marketing, record_skip, send_marketing
from app.messaging.models import SendStatus, SkipReason
from app.messaging.tracking import Tracker
from app.runtime import Runtime

ANSWERED = "answered"  # the order's survey was answered (in the widget) before the e-mail


def subject(invitation_id: int) -> str:
    """The send log's subject of an invitation's e-mail (the metrics count them by it)."""
    return f"survey:{invitation_id}"


async def send(
    runtime: Runtime, session: AsyncSession, invitation_id: int, step: int, now: datetime
) -> None:
    """Send the invitation's e-mail if it is still due and wanted; safe to run twice."""
    due = await steps.due_and_wanted(session, SurveyInvitation, invitation_id, step, now)
    if due is None:
        return
    invitation, initiative, shop = due.enrollment, due.initiative, due.shop
    settings = survey_settings(initiative.settings)
    customer = await mirror.get_customer(session, invitation.shop_id, invitation.customer_key)
    message = Marketing(
        shop_id=invitation.shop_id,
        initiative_id=invitation.initiative_id,
        subject=subject(invitation_id),
        step=step,
        address=customer.email if customer else None,
        timezone=shop.timezone,
        language=settings.language.value,
        consent=customer.accepts_marketing if customer else False,
        consent_required=consent_required(shop.platform, settings.woocommerce_consent),
    )
    answered = await response_for(
        session, shop.id or 0, initiative.id or 0, invitation.order_platform_id
    )
    if customer is None:
        await record_skip(session, message, SkipReason.NO_ADDRESS, now)
        steps.end(invitation, EnrollmentStatus.STOPPED, SkipReason.NO_ADDRESS.value, now)
        session.add(invitation)
        return
    if answered is not None:
        steps.end(invitation, EnrollmentStatus.FINISHED, ANSWERED, now)
        session.add(invitation)
        return
    first_name = customer.first_name
    group = await group_of(session, initiative, invitation.customer_key)
    wording = experiment_variants.wording(experiment_variants.variant_named(initiative, group))

    async def render(send_id: int, unsubscribe: str) -> Email:
        tracked = Tracker(runtime.settings, shop.id or 0, send_id)
        return survey_email(
            shop,
            first_name,
            settings,
            lambda score: links.score_url(runtime.settings, shop.id or 0, invitation_id, score),
            links.page_url(runtime.settings, shop.id or 0, invitation_id),
            unsubscribe,
            tracked,
            wording,
        )

    result = await send_marketing(runtime, message, render, now=now)
    if result.status in (SendStatus.SENDING, SendStatus.SENT):
        invitation.last_message_at = now
        steps.end(invitation, EnrollmentStatus.FINISHED, "sent", now)
        invitation.next_step = step + 1
    elif result.status is SendStatus.DEFERRED:
        invitation.next_due_at = result.deferred_until
    else:
        reason = (result.reason or SkipReason.CONSENT).value
        steps.end(invitation, EnrollmentStatus.STOPPED, reason, now)
    session.add(invitation)


async def give_up(session: AsyncSession, invitation_id: int, step: int, now: datetime) -> None:
    """The e-mail could not be sent after every try (the SMTP server)."""
    invitation = await steps.lock(session, SurveyInvitation, invitation_id)
    if invitation is not None and invitation.status is EnrollmentStatus.ACTIVE:
        if invitation.next_step == step:
            steps.end(invitation, EnrollmentStatus.STOPPED, SkipReason.SMTP_ERROR.value, now)
            session.add(invitation)
