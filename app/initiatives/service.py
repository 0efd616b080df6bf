"""Initiatives: create, change and move through their life, each change audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict
from app.initiatives import repository
from app.initiatives.experiments import variants as experiment_variants
from app.initiatives.experiments.variants import parsed
from app.initiatives.models import Initiative, InitiativeStatus
from app.initiatives.schemas import InitiativeIn, InitiativePatch
from app.initiatives.settings import validated
from app.initiatives.states import VERBS, moved
from app.okr.service import invalid


async def create(
    session: AsyncSession, shop_id: int, body: InitiativeIn, actor: str, now: datetime
) -> Initiative:
    await _check_key_results(session, shop_id, body.key_result_ids)
    experiment_variants.check(body.type, body.settings, body.variants)
    initiative = Initiative(
        shop_id=shop_id,
        type=body.type,
        name=body.name,
        settings=validated(body.type, body.settings),
        variants=experiment_variants.stored(body.variants),
        holdout_share=body.holdout_share,
        created_at=now,
        updated_at=now,
    )
    session.add(initiative)
    await session.flush()
    assert initiative.id is not None
    await repository.link_key_results(session, shop_id, initiative.id, body.key_result_ids)
    state = _state(initiative, body.key_result_ids)
    repository.audit(
        session, initiative, actor, "created", {k: [None, v] for k, v in state.items()}, now
    )
    await session.flush()
    return initiative


async def update(
    session: AsyncSession,
    shop_id: int,
    initiative_id: int,
    patch: InitiativePatch,
    actor: str,
    now: datetime,
) -> Initiative:
    initiative = await repository.get_initiative(session, shop_id, initiative_id)
    if initiative.status is InitiativeStatus.ENDED:
        raise Conflict("an ended initiative cannot be changed: create a new one instead")
    links = await repository.key_result_ids(session, shop_id, [initiative_id])
    before = _state(initiative, links.get(initiative_id, []))
    if patch.key_result_ids is not None:
        await _check_key_results(session, shop_id, patch.key_result_ids)
        await repository.link_key_results(session, shop_id, initiative_id, patch.key_result_ids)
    if patch.name is not None:
        initiative.name = patch.name
    if patch.settings is not None:
        initiative.settings = validated(initiative.type, patch.settings)
    if patch.variants is not None:
        initiative.variants = experiment_variants.stored(patch.variants)
    if patch.holdout_share is not None:
        initiative.holdout_share = patch.holdout_share
    if patch.variants is not None or patch.settings is not None:
        checked = patch.variants if patch.variants is not None else parsed(initiative)
        experiment_variants.check(initiative.type, initiative.settings, checked)
    kept = before["key_result_ids"] if patch.key_result_ids is None else patch.key_result_ids
    after = _state(initiative, kept)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        initiative.updated_at = now
        session.add(initiative)
        repository.audit(session, initiative, actor, "updated", changes, now)
        await session.flush()
    return initiative


async def move(
    session: AsyncSession,
    shop_id: int,
    initiative_id: int,
    wanted: InitiativeStatus,
    actor: str,
    now: datetime,
) -> Initiative:
    """Activate, pause or end; pausing or ending cancels every pending step."""
    initiative = await repository.get_initiative(session, shop_id, initiative_id)
    if not moved(initiative.status, wanted):
        return initiative
    before = initiative.status
    initiative.status, initiative.updated_at = wanted, now
    if wanted is InitiativeStatus.ACTIVE:
        initiative.activated_at = now  # it recovers checkouts abandoned from now on
    session.add(initiative)
    changes: dict[str, Any] = {"status": [before.value, wanted.value]}
    if wanted in (InitiativeStatus.PAUSED, InitiativeStatus.ENDED):
        reason = f"initiative {wanted.value}"
        cancelled = await repository.cancel_pending(session, shop_id, initiative_id, reason, now)
        changes["cancelled_enrollments"] = cancelled
    repository.audit(session, initiative, actor, VERBS[wanted], changes, now)
    await session.flush()
    return initiative


async def _check_key_results(session: AsyncSession, shop_id: int, ids: list[int]) -> None:
    found = await repository.shop_key_results(session, shop_id, ids)
    if missing := [kr for kr in ids if kr not in found]:
        named = ", ".join(map(str, missing))
        raise invalid({"key_result_ids": f"no key result {named} in this shop"})


def _state(initiative: Initiative, key_result_ids: list[int]) -> dict[str, Any]:
    return {
        "name": initiative.name,
        "settings": initiative.settings,
        "key_result_ids": list(key_result_ids),
        "variants": initiative.variants,
        "holdout_share": initiative.holdout_share,
    }
