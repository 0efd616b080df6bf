"""Survey jobs: the sweep every five minutes (invite what a lost subscriber missed and the
win-back reactivations, queue every invitation that is due) and one keyed job per invitation."""

from __future__ import annotations

from app.db import utcnow
from app.initiatives import steps
from app.initiatives.surveys import invitations, sending
from app.initiatives.surveys.models import SurveyInvitation
from app.initiatives.tasks import send_or_give_up
from app.worker import JobContext, enqueue_after_commit, registry
from app.worker.jobs import Job


@registry.task(name="surveys.sweep")
async def sweep_surveys(ctx: JobContext) -> None:
    """Invite the returning customers a lost subscriber missed and the reactivated ones, and
    queue every survey e-mail that is due."""
    now = utcnow()
    await invitations.invite_missed(ctx.session, now)
    for invitation_id, step in await steps.due_steps(ctx.session, SurveyInvitation, now):
        enqueue_after_commit(ctx.session, invitation_job(invitation_id, step))


registry.cron(sweep_surveys, minute=set(range(2, 60, 5)), second={15})


@registry.task(name="surveys.send_invitation")
async def send_invitation(ctx: JobContext, invitation_id: int, step: int) -> None:
    """Send one survey e-mail, if still due and wanted (safe to run twice)."""
    await send_or_give_up(ctx, send_invitation, sending.send, sending.give_up, invitation_id, step)


def invitation_job(invitation_id: int, step: int) -> Job:
    return send_invitation.job(invitation_id, step).keyed(f"survey:{invitation_id}:{step}")
