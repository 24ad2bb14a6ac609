"""Pages that correct an action (what is done, by whom, by when, for which needs and goals)
and mark one entered in error (DESIGN §3, Corrections). The list of actions is in pages.py.

The pages go the corrections' one way (app/corrections/page_flow.py): the form sends the
version it was drawn at, and a correction racing another comes back with the action as stored
and the form as typed (409). The actions service does the work, as for PATCH /api/v1/actions/{id}.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.actions import form as action_fields
from app.actions import service as action_service
from app.actions.schemas import ActionPatch
from app.corrections import page_flow
from app.goals import service as goal_service
from app.kit import forms
from app.kit.forms import FormCode, FormCodes, FormText
from app.kit.i18n import N_, request_language
from app.members import service as member_service
from app.models import Action
from app.models.enums import CorrectedRecord
from app.needs import service as need_service
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NOTHING_CHANGED = N_("Change at least one thing, or go back.")
ACTION_CORRECT_MESSAGES = {
    **action_fields.FIELD_MESSAGES,
    "reason": page_flow.REASON_TOO_LONG,
    "form": NOTHING_CHANGED,
    "version": N_(
        "Someone else changed this action just now. It is shown as it is now; your changes are "
        "still in the form: look at both and save again."
    ),
}


def _action_form(session: Session, action: Action) -> dict[str, Any]:
    need_ids, goal_ids = action_service.action_links(session, [action.id])[action.id]
    return {
        "text": action.text,
        "kind": action.responsible_kind.value,
        "member": action.responsible_member or "",
        "unit_id": str(action.responsible_unit_id or ""),
        "user_id": str(action.responsible_user_id or ""),
        "due": action.due_date.isoformat() if action.due_date else "",
        "need_ids": [str(i) for i in need_ids],
        "goal_ids": [str(i) for i in goal_ids],
        "concerns_member_id": str(action.concerns_member_id or ""),
        "reason": "",
    }


def _context(
    _request: Request, session: Session, action: Action, _form: Mapping[str, Any]
) -> dict[str, Any]:
    units = account_service.list_units(session)
    members = account_service.unit_members(session)
    return {
        "action": action,
        "needs": need_service.needs_of(session, action.canvas_id),
        "goals": goal_service.goals_of(session, action.canvas_id),
        "units": units,
        "members_by_unit": action_fields.members_by_unit(units, members),
        "family_members": member_service.family_members(session, action.family_id),
    }


def _changes(session: Session, action: Action, form: Mapping[str, Any]) -> dict[str, Any]:
    """The form sends every field: only what differs from the stored action is a correction."""
    stored = _action_form(session, action)
    data: dict[str, Any] = {}
    if form["text"].strip() != action.text:
        data["text"] = form["text"].strip()
    responsible = action_fields.responsible(
        form["kind"], form["member"], form["unit_id"], form["user_id"]
    )
    if responsible != action_fields.responsible(
        stored["kind"], stored["member"], stored["unit_id"], stored["user_id"]
    ):
        data["responsible"] = responsible
    if form["due"] != stored["due"]:
        data["due"] = form["due"] or None
    if sorted(form["need_ids"]) != sorted(stored["need_ids"]):
        data["need_ids"] = [forms.parse_id(n) for n in form["need_ids"]]
    if sorted(form["goal_ids"]) != sorted(stored["goal_ids"]):
        data["goal_ids"] = [forms.parse_id(g) for g in form["goal_ids"]]
    stored_concerns = stored["concerns_member_id"]
    if form["concerns_member_id"] != stored_concerns:
        chosen = form["concerns_member_id"]
        data["concerns_member_id"] = forms.parse_id(chosen) if chosen else None
    return data


ACTION = page_flow.Corrected(
    record_type=CorrectedRecord.action,
    model=Action,
    service=action_service.update_action,
    schema=ActionPatch,
    place=lambda _session, action: (action.canvas_id, f"action-{action.id}"),
    section="actions",
    page_name="actions/correct.html",
    stored=_action_form,
    context=_context,
    changes=_changes,
    messages=ACTION_CORRECT_MESSAGES,
)


@router.get("/actions/{action_id}/correct", name="action_correct_form")
def action_correct_form(
    request: Request, actor: PageActor, session: SessionDep, action_id: uuid.UUID
) -> HTMLResponse:
    return page_flow.correct_form(request, session, actor, ACTION, action_id)


@router.post("/actions/{action_id}/correct", name="action_correct")
def correct_action(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    action_id: uuid.UUID,
    text: FormText = "",
    kind: FormCode = "",
    member: FormCode = "",
    unit_id: FormCode = "",
    user_id: FormCode = "",
    due: FormCode = "",
    need_ids: FormCodes = [],  # noqa: B006 (FastAPI copies the default)
    goal_ids: FormCodes = [],  # noqa: B006
    concerns_member_id: FormCode = "",
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    form = {
        "text": text,
        "kind": kind,
        "member": member,
        "unit_id": unit_id,
        "user_id": user_id,
        "due": due,
        "need_ids": need_ids,
        "goal_ids": goal_ids,
        "concerns_member_id": concerns_member_id,
        "reason": reason,
    }

    return page_flow.correct(
        request,
        session,
        actor,
        ACTION,
        action_id,
        form=form,
        version=version,
        nothing_changed=NOTHING_CHANGED,
        fix_errors=lambda errors: action_fields.responsible_where_shown(
            errors, kind, request_language(request)
        ),
    )


@router.get("/actions/{action_id}/entered-in-error", name="action_error_form")
def action_error_form(
    request: Request, actor: PageActor, session: SessionDep, action_id: uuid.UUID
) -> HTMLResponse:
    return page_flow.error_form(request, session, actor, ACTION, action_id)


@router.post("/actions/{action_id}/entered-in-error", name="action_error")
def mark_action_in_error(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    action_id: uuid.UUID,
    reason: FormText = "",
    version: FormCode = "",
) -> Response:
    return page_flow.mark_in_error(
        request, session, actor, ACTION, action_id, reason=reason, version=version
    )
