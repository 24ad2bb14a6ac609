"""Changing the status of an action, a referral or a goal from a page's form. The canvas pages
(the plan lead's side) and the plan's review page (a responsible or providing unit) offer the
same change through the same service rules; only the page shown afterwards and its words
differ."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.access.actor import Actor
from app.access.scope import FamilyScope
from app.canvases import service as canvas_service
from app.canvases.schemas import ActionPatch, GoalPatch, ReferralPatch
from app.kit.errors import Invalid, PreconditionFailed
from app.kit.forms import form_errors
from app.kit.i18n import translations
from app.models import Action, Goal, Referral


def _(text: str) -> str:
    """Marks a message for the catalogs (Babel extracts ``_``); translated when shown."""
    return text


ACTION_STATUS_MESSAGES = {
    "status": _("This change is not possible for the action now."),
    "reason": _("Write why the action is cancelled."),
    "version": _("Someone else changed this action just now. Look at it again and retry."),
}


def change_action_status(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    action: Action,
    form: Mapping[str, str],
    version: str,
    lang: str,
) -> dict[str, str]:
    """Sets the action's status (and reason) as ``form`` gives them. Returns the field errors
    to show beside the form, empty when the change is saved; after errors the transaction has
    been rolled back, so the page is shown again from what is stored."""
    try:
        data = ActionPatch.model_validate(_values(form))
        if data.status is None:
            raise Invalid.field("status", "Give the new status")
        canvas_service.update_action(session, actor, scope, action, data, _expected(version))
    except (ValidationError, Invalid, PreconditionFailed) as exc:
        return _refused(session, exc, ACTION_STATUS_MESSAGES, lang)
    return {}


def change_referral_status(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    referral: Referral,
    form: Mapping[str, str],
    version: str,
    messages: Mapping[str, str],
    lang: str,
) -> dict[str, str]:
    """Sets the referral's status (with the reason and outcome the form has) like
    ``change_action_status``; ``messages`` are the page's words for each field."""
    try:
        data = ReferralPatch.model_validate(_values(form))
        canvas_service.update_referral(session, actor, scope, referral, data, _expected(version))
    except (ValidationError, Invalid, PreconditionFailed) as exc:
        return _refused(session, exc, messages, lang)
    return {}


def change_goal_progress(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    goal: Goal,
    form: Mapping[str, str],
    version: str,
    choice_messages: Mapping[str, str],
    rule_messages: Mapping[str, str],
    lang: str,
) -> dict[str, str]:
    """Sets how a goal is going like ``change_action_status``. The form always says the
    progress ("not said yet", empty, clears it); an empty goal status leaves it as it is.
    ``choice_messages`` answer a code the form never offers, ``rule_messages`` the service's
    rules; a goal changed meanwhile, even by a save racing this one, answers ``version``."""
    values: dict[str, str | None] = {"achievement_status": form["achievement_status"] or None}
    if form["lifecycle_status"]:
        values["lifecycle_status"] = form["lifecycle_status"]
    try:
        data = GoalPatch.model_validate(values)
        canvas_service.update_goal(session, actor, scope, goal, data, _expected(version))
    except ValidationError as exc:
        return _refused(session, exc, choice_messages, lang)
    except (Invalid, PreconditionFailed, StaleDataError) as exc:
        return _refused(session, exc, rule_messages, lang)
    return {}


def _values(form: Mapping[str, str]) -> dict[str, str | None]:
    """The form's fields for the schema: an empty field is not given."""
    return {field: value or None for field, value in form.items()}


def _expected(version: str) -> int:
    """The version the form was shown at; anything but a number never matches."""
    return int(version) if version.isdigit() else -1


def _refused(
    session: Session,
    exc: ValidationError | Invalid | PreconditionFailed | StaleDataError,
    messages: Mapping[str, str],
    lang: str,
) -> dict[str, str]:
    session.rollback()
    if isinstance(exc, PreconditionFailed | StaleDataError):
        return {"version": translations(lang).gettext(messages["version"])}
    return form_errors(exc, messages, lang)
