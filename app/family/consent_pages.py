"""Giving a consent on the family's own pages (DESIGN §12): for a unit the plan lead proposed
(one responsible for actions in the plan, with no consent in force), the member reads the
consent statement in their own language, confirms, and the consent is recorded as given by
them through ID-porten. The unit reads the plan from the next request."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.consents import service as consent_service
from app.family import service as family_service
from app.kit.errors import Conflict
from app.kit.forms import FormCode
from app.kit.templating import part_in, render
from app.models import Unit
from app.web.deps import FamilyVisitor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


def _give_page(
    request: Request, session: Session, visitor: FamilyVisitor, unit: Unit, *, status: int
) -> HTMLResponse:
    scope = family_service.family_scope(session, visitor)
    family = scope.family
    statement = {
        "family": family,
        "units": [unit],
        "lead": account_service.plan_lead(session, family),
        "lead_unit": session.get(Unit, family.lead_unit_id),
        "expires": None,
        "h": 2,
    }
    family_service.record_read(session, visitor, "consent", None, "consent_statement")
    context = {
        "visitor": visitor,
        "unit": unit,
        "error": status == 422,
        "statement": part_in(request, "consents/_statement.html", statement, visitor.language),
    }
    return render(request, "family/give.html", context, lang=visitor.language, status_code=status)


@router.get("/familie/samtykker/ny/{unit_id}", name="family_give_page")
def family_give_page(
    request: Request, unit_id: uuid.UUID, visitor: FamilyVisitor, session: SessionDep
) -> HTMLResponse:
    unit = family_service.proposed_unit(session, visitor, unit_id)
    return _give_page(request, session, visitor, unit, status=200)


@router.post("/familie/samtykker/ny/{unit_id}", name="family_give")
def family_give(
    request: Request,
    unit_id: uuid.UUID,
    visitor: FamilyVisitor,
    session: SessionDep,
    confirm: FormCode = "",
) -> Response:
    """Given only when confirmed, after the statement was shown."""
    unit = family_service.proposed_unit(session, visitor, unit_id)
    if confirm != "yes":
        return _give_page(request, session, visitor, unit, status=422)
    try:
        with session.begin_nested():
            consent_service.give_by_member(session, visitor, unit)
    except Conflict:
        pass  # given a moment ago, in another tab: the list shows it
    return RedirectResponse("/familie/samtykker?done=given", status_code=303)
