"""Pages of the reviews room, in the worker's language: the review queue, the review page of a
plan version (with the status of the unit's own actions and referrals, which the unit reports
on there), a unit's decision, and what changed between two versions of the plan."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import FamilyAccess, Reach
from app.access.scope import record_scope
from app.accounts import service as account_service
from app.actions import pages as action_pages
from app.canvases import assignments
from app.canvases import service as canvas_service
from app.catalogue import service as catalogue_service
from app.catalogue import template_store
from app.kit import forms
from app.kit.errors import Conflict, NotFound
from app.kit.forms import FormCode, FormText
from app.kit.i18n import N_, long_date, request_language, translations
from app.kit.templating import render
from app.models import Action, Plan, Referral
from app.models.enums import ActionStatus, PlanStatus, ReferralOutcome, ReferralStatus
from app.needs import pages as need_pages
from app.needs import service as need_service
from app.plans import document as plan_doc
from app.plans import pages as plan_pages
from app.plans import service as plan_service
from app.reviews import service as review_service
from app.reviews.schemas import PLAN_NUMBER_MAX, ReviewDecision
from app.web.case import Asked
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


# --- the review queue and the review page ---------------------------------------------------


@router.get("/review-queue", name="review_queue_page")
def review_queue_page(request: Request, actor: PageActor, session: SessionDep) -> HTMLResponse:
    items = review_service.review_queue(session, actor)
    lang = request_language(request)
    return render(
        request,
        "reviews/review_queue.html",
        {
            "items": items,
            "submitted_on": {
                (i.plan_id, i.unit_id): long_date(i.submitted_at, lang) for i in items
            },
        },
    )


REVIEW_MESSAGES = {
    "decision": N_("Choose whether your unit approves the plan or asks for changes."),
    "comment": N_("Write what should change in the plan."),
    "unit_id": N_("Choose which of your units you answer for."),
}
REFERRAL_STATUS_MESSAGES = {
    "status": N_("This change is not possible for the referral now."),
    "reason": N_("Write why the referral is declined."),
    "outcome": N_("Choose the outcome when the referral is completed."),
    "version": N_("Someone else changed this referral just now. Look at it again and retry."),
}
REVIEW_SAVED = frozenset({"review", "status"})


def _provided_services(session: Session, units: frozenset[uuid.UUID]) -> dict[uuid.UUID, str]:
    names: dict[uuid.UUID, str] = {}
    for unit_id in units:
        rows, _more = catalogue_service.search_services(
            session,
            domain=None,
            q=None,
            unit_id=unit_id,
            include_inactive=True,
            offset=0,
            limit=10_000,
        )
        names.update({service.id: service.name for service, _unit in rows})
    return names


def _review_page(
    asked: Asked,
    plan: Plan,
    *,
    saved: str | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    item_errors: dict[uuid.UUID, dict[str, str]] | None = None,
    item_form: dict[uuid.UUID, dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    request, session, actor, scope = asked
    lang = request_language(request)
    out = plan_service.read_plan(session, actor, scope, plan)
    context = plan_doc.plan_context(session, scope, plan, out, lang)
    units = review_service.units_reviewing(session, actor, scope, plan)
    own_actions = {
        str(a["id"]) for unit in units for a in review_service.actions_for_unit(out.content, unit)
    }
    in_plan_referrals = {str(r["id"]) for r in out.content.get("referrals", [])}
    live_actions: list[Any] = []
    live_referrals: list[Any] = []
    if units:
        # The status as it is now, not as it was frozen into this version of the plan: only
        # the unit's own actions and referrals, never the rest of the live case.
        live = assignments.assigned_work(session, actor, scope, canvas_id=plan.canvas_id)
        live_actions = [a for a in live.actions if str(a.id) in own_actions]
        live_referrals = [
            r
            for r in live.referrals
            if str(r.id) in in_plan_referrals and r.provider_unit_id in units
        ]
    context.update(
        {
            "lead_side": scope.access is FamilyAccess.lead_side,
            "units": [u for u in actor.units if u.id in units],
            "own_action_ids": own_actions,
            "live_actions": live_actions,
            "live_referrals": live_referrals,
            "service_names": _provided_services(session, units) if live_referrals else {},
            # Entered in error is the plan lead's side's to say, on its own page.
            "action_statuses": [
                s.value for s in ActionStatus if s is not ActionStatus.entered_in_error
            ],
            # What a providing unit may set (sending and cancelling are the plan lead's).
            "referral_statuses": [
                s.value for s in ReferralStatus if s in need_service.PROVIDER_STATUSES
            ],
            # An error is never a service's answer.
            "referral_outcomes": [
                o.value for o in ReferralOutcome if o is not ReferralOutcome.entered_in_error
            ],
            "decided_on": {r.unit_id: long_date(r.decided_at, lang) for r in out.reviews},
            "in_review": out.status is PlanStatus.in_review,
            "saved": saved if saved in REVIEW_SAVED else None,
            "form": form or {},
            "errors": errors or {},
            "item_errors": item_errors or {},
            "item_form": item_form or {},
        }
    )
    return render(request, "reviews/review.html", context, status_code=status_code)


plan_pages.add_plan_page(router, "/plans/{plan_id}/review", "plan_review", _review_page)


@router.post("/plans/{plan_id}/reviews", name="plan_review_decide")
def decide_review(
    request: Request,
    plan_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    decision: FormCode = "",
    comment: FormText = "",
    unit_id: FormCode = "",
) -> Response:
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    data = {"decision": decision or None, "comment": comment or None, "unit_id": unit_id or None}
    lang = request_language(request)
    try:
        _, errors = forms.submit(
            session,
            lambda: review_service.decide_review(
                session, actor, scope, plan, ReviewDecision.model_validate(data)
            ),
            REVIEW_MESSAGES,
            lang,
        )
    except Conflict:
        errors = {"form": translations(lang).gettext("The plan is no longer in review.")}
    if errors:
        form = {"decision": decision, "comment": comment, "unit_id": unit_id}
        return _review_page(
            Asked(request, session, actor, scope), plan, form=form, errors=errors, status_code=422
        )
    return RedirectResponse(f"/plans/{plan_id}/review?saved=review", status_code=303)


def _status_failed(
    request: Request,
    session: Session,
    actor: Actor,
    plan_id: uuid.UUID,
    item_id: uuid.UUID,
    form: dict[str, str],
    errors: dict[str, str],
) -> HTMLResponse:
    """The review page again, with the status form of one action or referral and what was
    wrong with it (the refused change is undone already)."""
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    return _review_page(
        Asked(request, session, actor, scope),
        plan,
        item_errors={item_id: errors},
        item_form={item_id: form},
        status_code=422,
    )


def _same_family(record_family_id: uuid.UUID, plan: Plan) -> None:
    if record_family_id != plan.family_id:
        raise NotFound("No such action on this plan.")


@router.post("/plans/{plan_id}/review/actions/{action_id}/status", name="review_action_status")
def review_action_status(
    request: Request,
    plan_id: uuid.UUID,
    action_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    status: FormCode = "",
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    """A responsible unit reports on its own action from the review page (the canvases
    service decides who may: the plan lead's side or a consented member of the unit)."""
    plan, _plan_scope = plan_service.plan_in_scope(session, actor, plan_id)
    action, scope = record_scope(session, actor, Action, action_id, "action", Reach.plan)
    _same_family(action.family_id, plan)
    form = {"status": status, "reason": reason}
    lang = request_language(request)
    errors = action_pages.save_action_status(session, actor, scope, action, form, version, lang)
    if errors:
        return _status_failed(request, session, actor, plan_id, action_id, form, errors)
    return RedirectResponse(
        f"/plans/{plan_id}/review?saved=status#action-{action_id}", status_code=303
    )


@router.post(
    "/plans/{plan_id}/review/referrals/{referral_id}/status", name="review_referral_status"
)
def review_referral_status(
    request: Request,
    plan_id: uuid.UUID,
    referral_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    status: FormCode = "",
    reason: FormText = "",
    outcome: FormCode = "",
    version: FormCode = "",
) -> Response:
    """The providing unit answers a referral from the review page: accept, decline (with a
    reason), start, complete (with an outcome)."""
    plan, _plan_scope = plan_service.plan_in_scope(session, actor, plan_id)
    referral, scope = record_scope(session, actor, Referral, referral_id, "referral", Reach.plan)
    _same_family(referral.family_id, plan)
    form = {"status": status, "reason": reason, "outcome": outcome}
    lang = request_language(request)
    errors = need_pages.save_referral_status(
        session, actor, scope, referral, form, version, REFERRAL_STATUS_MESSAGES, lang
    )
    if errors:
        return _status_failed(request, session, actor, plan_id, referral_id, form, errors)
    return RedirectResponse(
        f"/plans/{plan_id}/review?saved=status#referral-{referral_id}", status_code=303
    )


# --- what changed between two versions ------------------------------------------------------


@router.get("/plans/{plan_id}/diff", name="plan_diff_page")
def diff_page(
    request: Request,
    plan_id: uuid.UUID,
    against: Annotated[int, Query(ge=1, le=PLAN_NUMBER_MAX)],
    actor: PageActor,
    session: SessionDep,
) -> HTMLResponse:
    plan, scope = plan_service.plan_in_scope(session, actor, plan_id)
    diff = review_service.plan_diff(session, actor, scope, plan, against)
    unit_names = {str(u.id): u.name for u in account_service.list_units(session)}
    canvas = canvas_service.load_canvas(session, plan.canvas_id)
    assert canvas is not None
    lang = request_language(request)
    domain_titles = {
        d.key: d.title.get(lang) for d in template_store.template_of(session, canvas).domains
    }
    return render(
        request,
        "reviews/diff.html",
        {
            "family": scope.family,
            "diff": diff,
            "unit_names": unit_names,
            "domain_titles": domain_titles,
        },
    )
