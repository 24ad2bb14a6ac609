"""Family mode on the caseworker's tablet (DESIGN §12): the worker turns it on from the family's
canvas or plan, and the tablet shows the family its own things, in the family's language, with
no menus, no other families, no worker's scores and no statistics-only codes. Every other staff
page and form is refused while it is on (app/web/deps.py); leaving takes the worker's own
sign-in again (app/accounts/family_mode.py), here or at the identity provider."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.access.actor import FamilyMode
from app.access.policy import FamilyAccess, Reach
from app.access.scope import FamilyScope, family_scope
from app.accounts import family_mode
from app.accounts import service as account_service
from app.accounts.pages import provider_name, safe_next
from app.accounts.security import off_the_requests
from app.audit import service as audit
from app.canvases import service as canvas_service
from app.catalogue import template_store
from app.config import Settings
from app.corrections import service as correction_service
from app.family import service as family_service
from app.kit.errors import LoginRequired, NotFound, TooManyRequests
from app.kit.i18n import N_, direction, request_language, translations
from app.kit.templating import part_in, render
from app.models import Canvas, Family
from app.models.enums import AuditAction
from app.plans import document as plan_doc
from app.plans import service as plan_service
from app.web.deps import (
    InFamilyMode,
    PageSession,
    SessionDep,
    SettingsDep,
    TransactionalRoute,
    in_transaction,
    session_cookie_name,
)

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# The one control on the family's screen that is the worker's: in the worker's language, so
# they find it whatever language the family reads.
LEAVE_LABEL = N_("Back to the caseworker")
READ_PURPOSE = "family_mode"


@router.post("/families/{family_id}/family-mode", name="family_mode_start")
def start(
    request: Request,
    family_id: uuid.UUID,
    found: PageSession,
    session: SessionDep,
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """ "Show the family": family mode on for this browser session, for this family, whose
    case the worker works on (the plan lead's side; anyone else finds no such family)."""
    actor, session_id = found
    family_scope(session, actor, family_id, Reach.case)
    family_mode.start(session, FamilyMode(actor, session_id, None), family_id, safe_next(next))
    return RedirectResponse(request.app.url_path_for("family_mode_view"), status_code=303)


def _leave_control(request: Request) -> dict[str, Any]:
    ui_lang = request_language(request)
    return {
        "leave_label": translations(ui_lang).gettext(LEAVE_LABEL),
        "leave_lang": ui_lang,
        "leave_dir": direction(ui_lang),
    }


def _draft_body(
    request: Request, session: Session, shown: FamilyMode, family: Family, canvas: Canvas
) -> Markup:
    """The conversation's canvas as the family's plan reads it: the family's own words per
    part of life, their own score, needs, goals and actions; never the worker's score or an
    indicator code (``plan_view`` takes none of them)."""
    lang = family.language.value
    document = canvas_service.read_canvas(session, shown.actor, canvas)
    content = document.model_dump(mode="json", by_alias=True)
    lead = account_service.plan_lead(session, family)
    content["plan_lead"] = {"display_name": lead.display_name, "unit_id": str(family.lead_unit_id)}
    view = plan_doc.plan_view(
        session,
        content,
        template_store.template_of(session, canvas),
        lang,
        lead_unit_id=family.lead_unit_id,
        leave_out=correction_service.erroneous_ids(session, family.id),
    )
    return part_in(request, "_plan_body.html", {"plan": view, "family": family}, lang)


@router.get("/family-mode", name="family_mode_view")
def view(request: Request, shown: InFamilyMode, session: SessionDep) -> Response:
    """What the family sees on the tablet: the plan being written with them now, and the plan
    in force (or waiting for their approval) as their own pages show it."""
    if shown.family_id is None:
        return RedirectResponse("/", status_code=303)
    context: dict[str, Any] = {**_leave_control(request), "family": None}
    try:
        scope = family_scope(session, shown.actor, shown.family_id, Reach.case)
    except NotFound:
        # Handed over to another unit meanwhile: nothing of it is the worker's to show.
        return render(request, "family_mode/view.html", context)
    family = scope.family
    lang = family.language.value
    context["family"] = family
    canvas = canvas_service.in_progress(session, family.id)
    if canvas is not None:
        context["draft_body"] = _draft_body(request, session, shown, family, canvas)
    plan = family_service.plan_shown_to(session, family.id)
    if plan is not None:
        # The family's copy: what a consent shares, as the family's own pages show it.
        as_family = FamilyScope(family, FamilyAccess.consented)
        out = plan_service.plan_document(session, plan, as_family.access)
        _record_read(session, shown, "plan", plan.id)
        words = plan_doc.plan_context(session, as_family, plan, out, lang)
        context["plan"] = plan
        context["plan_body"] = part_in(request, "_plan_body.html", words, lang)
    if canvas is None and plan is None:
        _record_read(session, shown, "family", family.id)
    return render(request, "family_mode/view.html", context, lang=lang)


def _record_read(session: Session, shown: FamilyMode, record_type: str, record_id: Any) -> None:
    assert shown.family_id is not None
    audit.record(
        session,
        shown.actor,
        AuditAction.read,
        record_type,
        record_id,
        family_id=shown.family_id,
        purpose=READ_PURPOSE,
    )


# --- leaving: the worker signs in again ----------------------------------------------------


def _leave_page(
    session: Session,
    request: Request,
    settings: Settings,
    shown: FamilyMode,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    password, code, linked = family_mode.what_it_takes(session, shown.actor.user_id)
    provider = provider_name(settings) if linked else None
    return render(
        request,
        "family_mode/leave.html",
        {
            "who": shown.actor.display_name,
            "password": password,
            "code": code,
            "provider_name": provider,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/family-mode/leave", name="family_mode_leave_page")
def leave_page(
    request: Request,
    shown: InFamilyMode,
    session: SessionDep,
    settings: SettingsDep,
    refused: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    if shown.family_id is None:
        return RedirectResponse("/", status_code=303)
    error = "provider" if refused == "provider" else None
    return _leave_page(session, request, settings, shown, error=error)


@router.post("/family-mode/leave", name="family_mode_leave")
async def leave(
    request: Request,
    settings: SettingsDep,
    password: Annotated[str, Form(max_length=1000)] = "",
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """The worker's own password (and code, with a second factor): family mode off, and back
    where they were. A wrong one keeps family mode on, counts against the sign-in throttle and
    is audited; anyone else's password is a wrong one."""
    secret = request.cookies.get(session_cookie_name(request))
    shown = await in_transaction(request, family_mode.in_session, settings=settings, secret=secret)
    if shown is None:
        raise LoginRequired("Sign in to continue.")
    if shown.family_id is None:
        return RedirectResponse("/", status_code=303)
    client = request.client.host if request.client else "unknown"
    try:
        leaving = await in_transaction(
            request, family_mode.begin_leave, settings=settings, shown=shown, client=client
        )
    except TooManyRequests as exc:
        page = await in_transaction(
            request,
            _leave_page,
            request=request,
            settings=settings,
            shown=shown,
            error="throttled",
            status_code=429,
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    password_ok = await off_the_requests(family_mode.check_password, leaving, password)
    back = await in_transaction(
        request, family_mode.finish_leave, leaving=leaving, password_ok=password_ok, code=code
    )
    if back is None:
        return await in_transaction(
            request,
            _leave_page,
            request=request,
            settings=settings,
            shown=shown,
            error="wrong",
            status_code=401,
        )
    return RedirectResponse(back, status_code=303)
