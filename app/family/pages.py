"""The family's own pages (DESIGN §12) under /familie/: reached only with a family session
(ID-porten); a staff session finds the family's sign-in page here, as anyone does. Pages are
drawn in the member's own language."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.family import service as family_service
from app.kit.i18n import long_date
from app.kit.templating import part_in, render
from app.models.enums import PlanStatus
from app.plans import document as plan_doc
from app.plans import service as plan_service
from app.web.deps import FamilyVisitor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.get("/familie/", name="family_home")
def family_home(request: Request, visitor: FamilyVisitor, session: SessionDep) -> HTMLResponse:
    """The family's plan: the version in force, or the one waiting for the family."""
    scope = family_service.family_scope(session, visitor)
    plan = family_service.shown_plan(session, visitor)
    lang = visitor.language
    context: dict[str, object] = {"visitor": visitor, "family": scope.family, "plan": None}
    if plan is None:
        family_service.record_read(session, visitor, "family", visitor.family_id, "family_door")
    else:
        out = plan_service.plan_document(session, plan, scope.access)
        family_service.record_read(session, visitor, "plan", plan.id, "family_door")
        words = plan_doc.plan_context(session, scope, plan, out, lang)
        context.update(
            {
                "plan": plan,
                "record": out,
                "waiting": plan.status is PlanStatus.in_review and plan.family_approved_at is None,
                "approved_on": long_date(plan.family_approved_at, lang),
                "plan_body": part_in(request, "_plan_body.html", words, lang),
            }
        )
    return render(request, "family/home.html", context, lang=lang)


@router.get("/familie/plan/{plan_id}/utskrift", name="family_plan_print")
def family_plan_print(
    request: Request, plan_id: uuid.UUID, visitor: FamilyVisitor, session: SessionDep
) -> HTMLResponse:
    plan = family_service.own_plan(session, visitor, plan_id)
    scope = family_service.family_scope(session, visitor)
    out = plan_service.plan_document(session, plan, scope.access)
    family_service.record_read(session, visitor, "plan", plan.id, "family_door_print")
    html = plan_doc.print_html(
        request, plan_doc.plan_context(session, scope, plan, out), visitor.language, pdf=False
    )
    return HTMLResponse(
        html, headers={"Cache-Control": "no-store", "Content-Language": visitor.language}
    )
