"""The initiatives API: list, create, read, change, and activate / pause / end."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.dependencies import ShopDep
from app.db import utcnow
from app.deps import RowId, SessionDep
from app.initiatives import repository, service
from app.initiatives.experiments import service as experiments
from app.initiatives.models import Initiative, InitiativeStatus
from app.initiatives.schemas import InitiativeIn, InitiativeOut, InitiativePatch, SegmentAsked
from app.initiatives.surveys import segment

router = APIRouter(prefix="/api/v1/initiatives", tags=["initiatives"])
ACTOR = "api"


@router.get("")
async def list_initiatives(shop: ShopDep, session: SessionDep) -> list[InitiativeOut]:
    """The shop's initiatives, oldest first."""
    return await _out(session, shop.id, await repository.initiatives_of(session, shop.id))


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_initiative(
    body: InitiativeIn, shop: ShopDep, session: SessionDep
) -> InitiativeOut:
    """A new initiative, as a draft; its settings are checked against its type."""
    initiative = await service.create(session, shop.id, body, ACTOR, utcnow())
    return (await _out(session, shop.id, [initiative]))[0]


@router.get("/{initiative_id}/results")
async def get_results(
    initiative_id: RowId, shop: ShopDep, session: SessionDep
) -> experiments.Report:
    """The experiment's groups, their conversion and net sales per member with 95 % intervals,
    the sample-ratio check, the plan, the verdict (none before the planned sample) and the
    lift on each linked key result."""
    return await experiments.report(session, shop.id, initiative_id, utcnow())


@router.get("/{initiative_id}")
async def get_initiative(initiative_id: RowId, shop: ShopDep, session: SessionDep) -> InitiativeOut:
    """One initiative."""
    initiative = await repository.get_initiative(session, shop.id, initiative_id)
    return (await _out(session, shop.id, [initiative]))[0]


@router.patch("/{initiative_id}")
async def patch_initiative(
    initiative_id: RowId, body: InitiativePatch, shop: ShopDep, session: SessionDep
) -> InitiativeOut:
    """Change an initiative's name, settings, key results, variants or holdout."""
    initiative = await service.update(session, shop.id, initiative_id, body, ACTOR, utcnow())
    return (await _out(session, shop.id, [initiative]))[0]


@router.post("/{initiative_id}/activate")
async def activate(initiative_id: RowId, shop: ShopDep, session: SessionDep) -> InitiativeOut:
    """Start (or resume) the initiative; 409 for an ended one."""
    return await _move(session, shop.id, initiative_id, InitiativeStatus.ACTIVE)


@router.post("/{initiative_id}/pause")
async def pause(initiative_id: RowId, shop: ShopDep, session: SessionDep) -> InitiativeOut:
    """Pause an active initiative: its pending steps are cancelled."""
    return await _move(session, shop.id, initiative_id, InitiativeStatus.PAUSED)


@router.post("/{initiative_id}/end")
async def end(initiative_id: RowId, shop: ShopDep, session: SessionDep) -> InitiativeOut:
    """End the initiative for good: its pending steps are cancelled."""
    return await _move(session, shop.id, initiative_id, InitiativeStatus.ENDED)


@router.post("/{survey_id}/survey-segment", status_code=status.HTTP_202_ACCEPTED)
async def ask_segment(
    survey_id: RowId, body: segment.Segment, shop: ShopDep, session: SessionDep
) -> SegmentAsked:
    """Ask an active survey's returning customers now (each once, about their last order);
    the e-mails follow within minutes. 409 for a survey that is not active."""
    invited = await segment.ask_now(session, shop.id, shop.timezone, survey_id, body, utcnow())
    return SegmentAsked(invited=invited)


async def _move(
    session: AsyncSession, shop_id: int, initiative_id: int, wanted: InitiativeStatus
) -> InitiativeOut:
    initiative = await service.move(session, shop_id, initiative_id, wanted, ACTOR, utcnow())
    return (await _out(session, shop_id, [initiative]))[0]


async def _out(
    session: AsyncSession, shop_id: int, initiatives: list[Initiative]
) -> list[InitiativeOut]:
    links = await repository.key_result_ids(session, shop_id, [i.id for i in initiatives if i.id])
    return [
        InitiativeOut.model_validate(
            initiative.model_dump() | {"key_result_ids": links.get(initiative.id or 0, [])}
        )
        for initiative in initiatives
    ]
