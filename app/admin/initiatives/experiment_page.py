"""An initiative's experiment in the admin: the editor's form (holdout and variants), the
results page (per-group table, intervals, the lift on its key results, the sample-ratio
warning and the progress toward the planned sample), and the "three tests for returning
customers" template, made in one click."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.admin import i18n
from app.admin.editor.forms import FormRefused, FormState, discard_changes, values_of
from app.admin.i18n import gettext as _
from app.admin.initiatives.experiment import read_experiment
from app.admin.initiatives.experiment_results import results_view
from app.admin.initiatives.page import (
    ACTOR,
    LIST,
    detail_page,
    experiment_form_key,
    not_found,
    owned,
)
from app.admin.rendering import render
from app.auth.dependencies import ShopDep
from app.db import utcnow
from app.deps import RowId, SessionDep
from app.errors import Conflict, Unprocessable
from app.initiatives import repository, service
from app.initiatives.experiments import returning_tests
from app.initiatives.experiments.service import report_of
from app.initiatives.schemas import InitiativePatch

router = APIRouter(include_in_schema=False)


@router.post(LIST + "/{initiative_id}/experiment", response_class=HTMLResponse)
async def save_experiment(
    initiative_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    """Save the share held out and the variants; 422 with the form as typed if refused."""
    initiative = await owned(session, shop, initiative_id)
    if initiative is None:
        return not_found(request, shop)
    form = await request.form()
    try:
        holdout, variants = read_experiment(form, initiative.type)
        patch = InitiativePatch(variants=variants, holdout_share=holdout)
        try:
            await service.update(session, shop.id, initiative_id, patch, ACTOR, utcnow())
        except Conflict:
            raise FormRefused(
                {"_form": _("This initiative has ended: it cannot be changed.")}, 409
            ) from None
        except Unprocessable as error:
            raise FormRefused({"_form": _refusal(error)}) from None
    except FormRefused as refusal:
        await discard_changes(session)
        initiative = await repository.get_initiative(session, shop.id, initiative_id)
        failed = FormState(experiment_form_key(initiative), values_of(form), refusal.errors)
        return await detail_page(
            request, session, shop, initiative, failed, status_code=refusal.status_code
        )
    return RedirectResponse(f"{LIST}/{initiative_id}?saved=1#experiment", status_code=303)


@router.get(LIST + "/{initiative_id}/results", response_class=HTMLResponse)
async def results_page(
    initiative_id: RowId, request: Request, shop: ShopDep, session: SessionDep
) -> Response:
    """The experiment's results."""
    initiative = await owned(session, shop, initiative_id)
    if initiative is None:
        return not_found(request, shop)
    report = await report_of(session, initiative, utcnow())
    context = {
        "shop": shop,
        "section": "initiatives",
        "initiative": initiative,
        "view": results_view(report.results, report.key_results, shop.currency),
    }
    return render(request, "initiatives/results.html", context)


@router.post(LIST + "/returning-tests", response_class=HTMLResponse)
async def make_returning_tests(request: Request, shop: ShopDep, session: SessionDep) -> Response:
    """Make the three experiments for returning customers, as drafts."""
    language = i18n.language() if i18n.language() in ("en", "es", "de") else "en"
    await returning_tests.create(session, shop.id, language, ACTOR, utcnow())
    return RedirectResponse(f"{LIST}?made=3", status_code=303)


def _refusal(error: Unprocessable) -> str:
    """The service's refusal of a variant, in the merchant's words (the form checks the
    rest itself)."""
    if "percentage" in error.message:
        return _("A percentage discount is at most 100.")
    return _(
        "This initiative sends no e-mails: its variants can split customers but not change e-mails."
    )
