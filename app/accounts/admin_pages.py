"""The administrator's list of users, where a user is linked to the identity provider's
subject or unlinked from it, and a user's second factor is reset (DESIGN §2, §11). Admins
only: everyone else is refused (403), before any user is looked up. Each change is audited
(``account_service.link_subject``, ``totp.reset``); roles, units and passwords stay with
``duk user add`` for now. The page shows users, never a family's case."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import can_manage_users
from app.accounts import service as account_service
from app.accounts import totp
from app.accounts.pages import provider_name
from app.kit.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit.forms import FormCode, FormText
from app.kit.i18n import N_, request_language, translations
from app.kit.templating import render
from app.models import User
from app.web.deps import PageActor, SessionDep, SettingsDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

ROLE_NAMES: dict[str, str] = {
    "caseworker": N_("Caseworker"),
    "reviewer": N_("Reviewer"),
    "coordinator": N_("Coordinator"),
    "admin": N_("Administrator"),
}
MESSAGES: dict[str, str] = {
    "invalid": N_("Give the subject (sub) the identity provider sends for this person."),
    "taken": N_("Another user is linked to this subject already. Unlink them first."),
    "confirm": N_("Tick the box to confirm the unlinking."),
    "confirm_reset": N_("Tick the box to confirm the reset."),
}
DONE = ("linked", "unlinked", "totp_reset")


def _message(request: Request, key: str) -> str:
    return translations(request_language(request)).gettext(MESSAGES[key])


def _require_admin(actor: Actor) -> None:
    if not can_manage_users(actor):
        raise Forbidden("Only an administrator manages users.")


def _user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def _users_page(
    request: Request,
    session: Session,
    settings: SettingsDep,
    *,
    done: str = "",
    failed: str = "",
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The list; ``failed`` is the user whose form came back with ``errors``."""
    return render(
        request,
        "accounts/users.html",
        {
            "users": account_service.list_users(session),
            "role_names": ROLE_NAMES,
            "provider_name": provider_name(settings),
            "done": done if done in DONE else "",
            "failed": failed,
            "form": form or {},
            "errors": errors or {},
        },
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/admin/users", name="admin_users")
def users_page(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    settings: SettingsDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    _require_admin(actor)
    return _users_page(request, session, settings, done=done)


@router.post("/admin/users/{user_id}/oidc-subject", name="admin_link_subject")
def link_subject(
    request: Request,
    user_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    settings: SettingsDep,
    oidc_subject: FormText = "",
) -> Response:
    _require_admin(actor)
    user = _user(session, user_id)
    refusal = ""
    try:
        with session.begin_nested():
            account_service.link_subject(session, actor, user, oidc_subject)
    except Invalid:
        refusal = "invalid"
    except Conflict:
        refusal = "taken"
    if refusal:
        session.refresh(user)
        return _users_page(
            request,
            session,
            settings,
            failed=str(user.id),
            form={"oidc_subject": oidc_subject},
            errors={"oidc_subject": _message(request, refusal)},
            status_code=422,
        )
    return RedirectResponse(f"/admin/users?done=linked#user-{user.id}", status_code=303)


@router.post("/admin/users/{user_id}/oidc-subject/unlink", name="admin_unlink_subject")
def unlink_subject(
    request: Request,
    user_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    settings: SettingsDep,
    confirm: FormCode = "",
) -> Response:
    _require_admin(actor)
    user = _user(session, user_id)
    if confirm != "yes":
        return _unconfirmed(request, session, settings, user, "confirm")
    if user.oidc_subject is not None:
        account_service.link_subject(session, actor, user, None)
    return RedirectResponse(f"/admin/users?done=unlinked#user-{user.id}", status_code=303)


@router.post("/admin/users/{user_id}/totp/reset", name="admin_reset_totp")
def reset_totp(
    request: Request,
    user_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    settings: SettingsDep,
    confirm_reset: FormCode = "",
) -> Response:
    """Forget the user's second factor (a lost phone): they set it up again at their next
    sign-in, and their sessions end (``totp.reset``)."""
    _require_admin(actor)
    user = _user(session, user_id)
    if confirm_reset != "yes":
        return _unconfirmed(request, session, settings, user, "confirm_reset")
    if user.totp_secret_encrypted is not None:
        totp.reset(session, actor, user)
    return RedirectResponse(f"/admin/users?done=totp_reset#user-{user.id}", status_code=303)


def _unconfirmed(
    request: Request, session: Session, settings: SettingsDep, user: User, box: str
) -> HTMLResponse:
    return _users_page(
        request,
        session,
        settings,
        failed=str(user.id),
        errors={box: _message(request, box)},
        status_code=422,
    )
