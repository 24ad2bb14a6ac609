"""The caseworker's home: my families, and starting a new family; a family's page, and the
timeline of its case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import FamilyAccess, Reach, can_create_family, can_edit_case
from app.access.scope import FamilyScope, family_scope
from app.accounts import service as account_service
from app.canvases import assignments
from app.canvases import service as canvas_service
from app.corrections import service as correction_service
from app.families import service as family_service
from app.families import steward_pages
from app.families import timeline as family_timeline
from app.families.schemas import FamilyCreate
from app.families.service import FamilyOrder
from app.inbox import service as inbox_service
from app.kit import forms
from app.kit.forms import FormCode
from app.kit.i18n import N_, local, local_today, long_date, request_language
from app.kit.templating import render
from app.members import service as member_service
from app.models import Family, Unit
from app.models.enums import Role
from app.plans import service as plan_service
from app.readings import service as reading_service
from app.web.deps import PageActor, SessionDep, SettingsDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

PAGE_SIZE = 200
# The family meets its caseworker in Norway: dates and times are shown as they read there.
# Confirmations after a redirect travel as fixed codes, never as text (no personal data in URLs).
DONE_CODES = frozenset({"erased", "handover", "member_added", "member_saved", "member_removed"})
Done = Annotated[str | None, Query(max_length=20)]
Sort = Annotated[str | None, Query(max_length=20)]


def _done(code: str | None) -> str | None:
    return code if code in DONE_CODES else None


# What to tell the caseworker about each field of the new-family form (pydantic's own
# messages are English and technical).
FAMILY_MESSAGES = {
    "display_name": N_("Write what the family wants to be called."),
    "municipality_code": N_("Write the four-digit municipality number, for example 3107."),
    "language": N_("Choose one of the languages offered."),
    "household.adults": N_("Write how many adults live in the household (0 to 20)."),
    "household.children_birth_years": N_(
        "Write only years, separated by spaces, for example 2014 2018. "
        "A year cannot be in the future."
    ),
}


def _order(sort: str | None) -> FamilyOrder:
    """The list's order from the sort form; the next review unless another was chosen."""
    try:
        return FamilyOrder(sort) if sort else FamilyOrder.next_review
    except ValueError:
        return FamilyOrder.next_review


def _families_list(
    request: Request, session: Session, actor: Actor, order: FamilyOrder
) -> dict[str, object]:
    """What "My families" needs: the families in the chosen order, each with its next review
    where the lead side has one (marked overdue, due soon or held), and the sort form; and the
    languages a new family's plan can be in, those the installation offers (DUK_LANGUAGES)."""
    return {
        "offered_languages": request.app.state.settings.offered_languages,
        "families": family_service.my_families(
            session, actor, order=order, today=local_today(), limit=PAGE_SIZE
        ),
        "order": order.value,
        "orders": [
            (FamilyOrder.next_review.value, N_("Next review, overdue first")),
            (FamilyOrder.newest.value, N_("Newest first")),
        ],
    }


@router.get("/", name="home")
def home(
    request: Request, actor: PageActor, session: SessionDep, done: Done = None, sort: Sort = None
) -> Response:
    if actor.role is Role.coordinator:  # coordinators have no families: their home is reports
        return RedirectResponse("/reports", status_code=303)
    return render(
        request,
        "families/home.html",
        {
            **_families_list(request, session, actor, _order(sort)),
            "inbox_unseen": inbox_service.unseen_count(session, actor),
            "can_create": can_create_family(actor),
            "errors": {},
            "form": {},
            "this_year": datetime.now(UTC).year,
            "done": _done(done),
        },
    )


@router.post("/families", name="family_create")
def create_family(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    settings: SettingsDep,
    # Defaults, not required: a form sent with an empty field reaches FamilyCreate below and
    # comes back with the message next to the field (FastAPI would answer a bare 422 page).
    display_name: Annotated[str, Form(max_length=200)] = "",
    municipality_code: Annotated[str, Form(max_length=4)] = "",
    language: Annotated[str, Form(max_length=2)] = "nb",
    adults: Annotated[int, Form(ge=0, le=20)] = 1,
    children_birth_years: Annotated[str, Form(max_length=200)] = "",
    single_parent: Annotated[bool, Form()] = False,
) -> Response:
    form = {
        "display_name": display_name,
        "municipality_code": municipality_code,
        "language": language,
        "adults": adults,
        "children_birth_years": children_birth_years,
        "single_parent": single_parent,
    }
    # A word that is not a year stays text, so the schema names the field it came from.
    years = [int(y) if y.isdigit() else y for y in children_birth_years.replace(",", " ").split()]
    data = {
        "display_name": display_name,
        "municipality_code": municipality_code,
        "language": language,
        "household": {
            "adults": adults,
            "children_birth_years": years,
            "single_parent": single_parent,
        },
    }
    family, errors = forms.submit(
        session,
        lambda: family_service.create_family(
            session, actor, FamilyCreate.model_validate(data), settings
        ),
        FAMILY_MESSAGES,
        request_language(request),
        fallback=N_("Check this field."),
    )
    if family is None:
        return render(
            request,
            "families/home.html",
            {
                **_families_list(request, session, actor, FamilyOrder.next_review),
                "can_create": can_create_family(actor),
                "errors": errors,
                "form": form,
                "this_year": datetime.now(UTC).year,
            },
            status_code=422,
        )
    return RedirectResponse(f"/families/{family.id}", status_code=303)


@router.get("/families/{family_id}", name="family_page")
def family_page(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep, done: Done = None
) -> HTMLResponse:
    """A family's overview: household, its canvases (newest first), the way to the plan. A unit
    with the family's consent sees what the consent shares: the plan versions and its own
    work in them (DESIGN §4.1)."""
    scope = family_scope(session, actor, family_id, Reach.plan)
    family = family_service.read_family(session, actor, scope)
    if scope.access is not FamilyAccess.lead_side:
        return _shared_family_page(request, session, actor, scope, family)
    this_year = datetime.now(UTC).year
    return render(
        request,
        "families/family.html",
        {
            "family": family,
            "plan_lead": account_service.plan_lead(session, family),
            "canvases": canvas_service.family_canvases(session, family.id),
            "members": [
                member_service.member_out(m)
                for m in member_service.family_members(session, family.id)
            ],
            "relations": member_service.RELATIONS,
            "in_progress": canvas_service.in_progress(session, family.id),
            "can_edit": can_edit_case(scope.access),
            "done": _done(done),
            "progress": reading_service.family_progress(
                session, actor, scope, request_language(request)
            ),
            "child_ages": sorted(
                (this_year - year for year in family.household_children_birth_years),
                reverse=True,
            ),
        },
    )


def _shared_family_page(
    request: Request, session: SessionDep, actor: PageActor, scope: FamilyScope, family: Family
) -> HTMLResponse:
    lang = request_language(request)
    lead = account_service.plan_lead(session, family)
    lead_unit = session.get(Unit, family.lead_unit_id)
    plans = plan_service.family_plans(session, actor, scope)
    work = assignments.assigned_work(session, actor, scope)
    return render(
        request,
        "families/shared.html",
        {
            "family": family,
            "plan_lead": lead,
            "lead_unit": lead_unit,
            "plans": list(reversed(plans)),
            "submitted_on": {p.id: long_date(p.submitted_at, lang) for p in plans},
            "work": work,
            "due_on": {a.id: long_date(a.due, lang) for a in work.actions},
        },
    )


@router.post("/families/{family_id}/canvases", name="canvas_start")
def start_canvas(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    confirm: FormCode = "",
) -> Response:
    """ "Start the conversation": a new canvas on the family template, then straight to it.
    While one is in progress a new one is made only when the confirmation page said yes: a
    second tap, or a tap meant for "Continue", gets that page (409) and makes nothing."""
    scope = family_scope(session, actor, family_id, Reach.case)
    try:
        canvas = canvas_service.create_canvas(
            session, actor, scope, "familie", beside_one_in_progress=confirm == "yes"
        )
    except canvas_service.ConversationInProgress:
        return _new_canvas_page(request, session, actor, scope, status_code=409)
    return RedirectResponse(f"/canvases/{canvas.id}", status_code=303)


@router.get("/families/{family_id}/canvases/new", name="canvas_new")
def new_canvas(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> Response:
    """Asks before a second duk: the one in progress stays as it is, and is the way on."""
    scope = family_scope(session, actor, family_id, Reach.case)
    scope.require_edit()
    return _new_canvas_page(request, session, actor, scope)


def _new_canvas_page(
    request: Request, session: Session, actor: Actor, scope: FamilyScope, status_code: int = 200
) -> Response:
    current = canvas_service.in_progress(session, scope.family.id)
    if current is None:  # nothing to ask about: the family page starts one directly
        return RedirectResponse(f"/families/{scope.family.id}", status_code=303)
    return render(
        request,
        "families/new_canvas.html",
        {"family": family_service.read_family(session, actor, scope), "current": current},
        status_code=status_code,
    )


@router.get("/families/{family_id}/timeline", name="timeline_page")
def timeline_page(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    """What happened in the case, newest first: for a consented unit it does not exist (404)."""
    scope = family_scope(session, actor, family_id, Reach.case)
    entries = family_timeline.family_timeline(session, actor, scope)
    corrections = correction_service.family_corrections(session, family_id)
    return render(
        request,
        "families/timeline.html",
        {
            "family": scope.family,
            "local": local,
            "entries": entries,
            "names": correction_service.history_names(
                session, family_id, corrections, request_language(request)
            ),
        },
    )


# Handing the family over and erasing it live in their own module; their pages are served
# under this room's router.
router.include_router(steward_pages.router)
