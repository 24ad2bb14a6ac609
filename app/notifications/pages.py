"""The user's own notification settings page: e-mail, SMS or none, where to, and in which
language (DESIGN §12). Every signed-in user has one; nobody sees another's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.kit.forms import FormCode, FormText, given, submit
from app.kit.i18n import N_, request_language
from app.kit.templating import render
from app.models import NotificationSetting
from app.notifications import service as notification_service
from app.notifications.schemas import NotificationSettingsIn
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

MESSAGES = {
    "channel": N_("Choose how you want word: by e-mail, by SMS, or not at all."),
    "email": N_("Give an e-mail address such as name@kommune.no."),
    "phone": N_("Give a phone number of 8 to 15 digits, such as +4791234567."),
    "language": N_("Choose one of the languages offered."),
    "version": N_(
        "Your settings were changed elsewhere meanwhile. They are shown as they are now: "
        "choose again."
    ),
}


def _page(
    request: Request,
    setting: NotificationSetting,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
) -> HTMLResponse:
    shown = typed or {
        "channel": setting.channel.value,
        "email": setting.email or "",
        "phone": setting.phone or "",
        "language": setting.language,
    }
    return render(
        request,
        "notifications/settings.html",
        {
            "typed": shown,
            "version": setting.version,
            "errors": errors or {},
            "saved": saved,
        },
        status_code=422 if errors else 200,
    )


@router.get("/account/notifications", name="notification_settings")
def settings_page(
    request: Request, actor: PageActor, session: SessionDep, saved: bool = False
) -> HTMLResponse:
    page = _page(request, notification_service.setting_for(session, actor.user_id), saved=saved)
    page.headers["Cache-Control"] = "no-store"
    return page


@router.post("/account/notifications", name="notification_settings_submit")
def settings_submit(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    channel: FormCode = "",
    email: FormText = "",
    phone: FormText = "",
    language: FormCode = "",
    version: Annotated[int, Form(ge=0, le=2_000_000_000)] = 0,
) -> Response:
    typed = {"channel": channel, "email": email, "phone": phone, "language": language}
    _, errors = submit(
        session,
        lambda: notification_service.save_setting(
            session, actor, NotificationSettingsIn.model_validate(given(typed)), version
        ),
        MESSAGES,
        request_language(request),
    )
    if errors:
        setting = notification_service.setting_for(session, actor.user_id)
        return _page(request, setting, None if "version" in errors else typed, errors)
    return RedirectResponse("/account/notifications?saved=true", status_code=303)
