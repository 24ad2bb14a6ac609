"""Pages for the actions: who does what by when, the family's own part included, and each
action's status.

Every page goes through ``app.access`` exactly like the JSON API; changes go through the
actions service, which checks ``scope.require_edit()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import Reach
from app.access.scope import FamilyScope, canvas_scope, record_scope
from app.accounts import service as account_service
from app.actions import correct_pages
from app.actions import form as action_fields
from app.actions import service as action_service
from app.actions.schemas import ActionCreate, ActionStatusForm
from app.audit import service as audit
from app.catalogue import service as catalogue_service
from app.catalogue import template_store
from app.corrections import service as correction_service
from app.goals import service as goal_service
from app.kit import forms
from app.kit.forms import FormCode, FormCodes, FormText
from app.kit.i18n import N_, local_today, request_language
from app.kit.templating import render
from app.members import service as member_service
from app.models import Action, Canvas
from app.models.enums import ActionStatus, AuditAction
from app.needs import service as need_service
from app.web.case import Asked, add_tab_page, case_context
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# Confirmations after a redirect travel as fixed codes, never as text (no personal data in URLs).
SAVED_CODES = frozenset({"action", "status", "corrected", "entered_in_error"})

ACTION_STATUS_MESSAGES = {
    "status": N_("This change is not possible for the action now."),
    "reason": N_("Write why the action is cancelled."),
    "version": N_("Someone else changed this action just now. Look at it again and retry."),
}
ACTION_MESSAGES = {
    **action_fields.FIELD_MESSAGES,
    "referral_id": N_("Choose only referrals of this canvas."),
}


def _actions_page(
    asked: Asked,
    canvas: Canvas,
    *,
    saved: str | None = None,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    action_errors: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    action_form: Mapping[uuid.UUID, Mapping[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    request, session, actor, scope = asked
    lang = request_language(request)
    template = template_store.template_of(session, canvas)
    needs = need_service.needs_of(session, canvas.id)
    goals = goal_service.goals_of(session, canvas.id)
    every_action = action_service.actions_of(session, canvas.id, include_erroneous=True)
    actions = [a for a in every_action if a.status is not ActionStatus.entered_in_error]
    audit.record(session, actor, AuditAction.read, "canvas", canvas.id, family_id=canvas.family_id)
    history = correction_service.canvas_history(session, canvas.id)
    units = account_service.list_units(session)
    members = account_service.unit_members(session)
    unit_names = {u.id: u.name for u in units}
    referrals = need_service.referral_views(
        need_service.referrals_of(session, canvas.id),
        catalogue_service.services_by_id(session),
        lang,
    )
    context = case_context(canvas, scope, template, "actions")
    context.update(
        {
            "actions": actions,
            "needs": {n.id: n for n in needs},
            "goals": {g.id: g for g in goals},
            "referral_views": {
                view["referral"].id: view for views in referrals.values() for view in views
            },
            "units": units,
            "unit_names": unit_names,
            "members_by_unit": action_fields.members_by_unit(units, members),
            "member_names": {user.id: user.display_name for _, user in members},
            # The lead side sees what was entered in error apart, folded.
            "erroneous_actions": [a for a in every_action if a not in actions],
            "history": history,
            "names": correction_service.history_names(
                session, canvas.family_id, [c for e in history.values() for c in e], lang
            ),
            # Entered in error is said on its own page, with a confirmation.
            "statuses": [s.value for s in ActionStatus if s is not ActionStatus.entered_in_error],
            "family_members": member_service.family_members(session, canvas.family_id),
            "form": dict(form or {"kind": "", "need_ids": [], "goal_ids": []}),
            "errors": dict(errors or {}),
            "action_errors": action_errors or {},
            "action_form": action_form or {},
            "saved": saved if saved in SAVED_CODES else None,
            "today": local_today().isoformat(),
        }
    )
    return render(request, "actions/actions.html", context, status_code=status_code)


add_tab_page(router, "actions", _actions_page)


@router.post("/canvases/{canvas_id}/actions", name="action_create")
def create_action(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    canvas_id: uuid.UUID,
    text: FormText = "",
    kind: FormCode = "",
    member: FormCode = "",
    unit_id: FormCode = "",
    user_id: FormCode = "",
    due: FormCode = "",
    need_ids: FormCodes = [],  # noqa: B006 (FastAPI copies the default)
    goal_ids: FormCodes = [],  # noqa: B006
    referral_id: FormCode = "",
    concerns_member_id: FormCode = "",
) -> Response:
    canvas, scope = canvas_scope(session, actor, canvas_id)
    scope.require_edit()
    form = {
        "text": text,
        "kind": kind,
        "member": member,
        "unit_id": unit_id,
        "user_id": user_id,
        "due": due,
        "need_ids": need_ids,
        "goal_ids": goal_ids,
        "referral_id": referral_id,
        "concerns_member_id": concerns_member_id,
    }
    data = {
        "text": text.strip(),
        "responsible": action_fields.responsible(kind, member, unit_id, user_id),
        "due": due or None,
        "need_ids": [forms.parse_id(n) for n in need_ids],
        "goal_ids": [forms.parse_id(g) for g in goal_ids],
        "referral_id": forms.parse_id(referral_id) if referral_id else None,
        "concerns_member_id": forms.parse_id(concerns_member_id) if concerns_member_id else None,
    }
    lang = request_language(request)
    action, errors = forms.submit(
        session,
        lambda: action_service.add_action(
            session, actor, scope, canvas, ActionCreate.model_validate(data)
        ),
        ACTION_MESSAGES,
        lang,
    )
    if action is None:
        action_fields.responsible_where_shown(errors, kind, lang)
        return _actions_page(
            Asked(request, session, actor, scope), canvas, form=form, errors=errors, status_code=422
        )
    target = request.app.url_path_for("actions_page", canvas_id=canvas.id)
    return RedirectResponse(f"{target}?saved=action", status_code=303)


@router.post("/actions/{action_id}/status", name="action_status")
def change_action_status(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    action_id: uuid.UUID,
    status: FormCode = "",
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    action, scope = record_scope(session, actor, Action, action_id, "action", Reach.case)
    canvas_id = action.canvas_id
    form = {"status": status, "reason": reason}
    errors = save_action_status(
        session, actor, scope, action, form, version, request_language(request)
    )
    if errors:
        canvas, scope = canvas_scope(session, actor, canvas_id)
        return _actions_page(
            Asked(request, session, actor, scope),
            canvas,
            action_errors={action_id: errors},
            action_form={action_id: form},
            status_code=422,
        )
    target = request.app.url_path_for("actions_page", canvas_id=canvas_id)
    return RedirectResponse(f"{target}?saved=status#action-{action_id}", status_code=303)


def save_action_status(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    action: Action,
    form: Mapping[str, str],
    version: str,
    lang: str,
) -> dict[str, str]:
    """Sets the action's status (and reason) as its status form gives them: the plan lead's
    side here, a responsible unit on the plan's review page. Returns the field errors to show
    beside the form, empty when the change is saved."""
    return forms.submit(
        session,
        lambda: action_service.update_action(
            session,
            actor,
            scope,
            action,
            ActionStatusForm.model_validate(forms.given(form)),
            forms.expected_version(version),
        ),
        ACTION_STATUS_MESSAGES,
        lang,
    )[1]


# Correcting an action and an action entered in error live in their own module; their pages
# are served under this room's router.
router.include_router(correct_pages.router)
