"""The survey page's "Ask returning customers now": the form's post asks the segment through
`app.initiatives.surveys.segment`, as the JSON API does, and comes back to the survey's page
with how many customers will be asked — or with the form as typed and a sentence next to each
wrong field (422), or for a survey that is not on (409); a refused form records nothing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.admin.editor.forms import FORM_ERROR, FormState, values_of
from app.admin.i18n import gettext as _
from app.admin.initiatives.page import not_found
from app.admin.surveys.page import LIST, detail_page, owned_survey
from app.admin.surveys.segment_form import form_key, read_segment
from app.auth.dependencies import ShopDep
from app.db import utcnow
from app.deps import RowId, RuntimeDep, SessionDep
from app.errors import Conflict
from app.initiatives.surveys import segment

router = APIRouter(include_in_schema=False)


@router.post(LIST + "/{survey_id}/segment", response_class=HTMLResponse)
async def ask_segment(
    survey_id: RowId, request: Request, shop: ShopDep, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """Ask the survey's returning customers now; 422 with the form as typed if refused, 409
    for a survey that is not on."""
    survey = await owned_survey(session, shop, survey_id)
    if survey is None:
        return not_found(request, shop)
    form = await request.form()
    chosen, errors = read_segment(values_of(form))
    status_code, invited = 422, 0
    if chosen is not None:
        try:
            invited = await segment.ask_now(
                session, shop.id, shop.timezone, survey_id, chosen, utcnow()
            )
        except Conflict:  # checked before anything is written
            errors, status_code = {FORM_ERROR: _("Switch the survey on before asking anyone.")}, 409
    if errors:
        failed = FormState(form_key(survey), values_of(form), errors)
        return await detail_page(
            request, session, runtime, shop, survey, "", failed=failed, status_code=status_code
        )
    return RedirectResponse(f"{LIST}/{survey_id}?asked={invited}", status_code=303)
