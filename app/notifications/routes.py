"""The caller's own notification settings (DESIGN §12): how they want word of what waits for
them. Only the user reads and changes their own; nobody else's address or number is reachable
through the API."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.kit.concurrency import IfMatch, expected_version, set_etag
from app.notifications import service as notification_service
from app.notifications.schemas import NotificationSettingsIn, NotificationSettingsOut
from app.web.deps import CurrentActor, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1",
    tags=["notifications"],
    responses=PROBLEM_RESPONSES,
    route_class=TransactionalRoute,
)


@router.get("/me/notifications", response_model=NotificationSettingsOut)
def get_notification_settings(
    actor: CurrentActor, session: SessionDep, response: Response
) -> NotificationSettingsOut:
    """How the caller gets word: `channel` email, sms or none (none until chosen; version 0)."""
    setting = notification_service.setting_for(session, actor.user_id)
    set_etag(response, setting.version)
    response.headers["Cache-Control"] = "no-store"
    return NotificationSettingsOut.model_validate(setting)


@router.put("/me/notifications", response_model=NotificationSettingsOut)
def put_notification_settings(
    data: NotificationSettingsIn,
    actor: CurrentActor,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> NotificationSettingsOut:
    """Replace the caller's choice whole. Send `If-Match` with the ETag of the last read (`"0"`
    before any choice was saved); `email` needs the address, `sms` the phone number."""
    current = notification_service.setting_for(session, actor.user_id).version
    setting = notification_service.save_setting(
        session, actor, data, expected_version(if_match, current)
    )
    set_etag(response, setting.version)
    response.headers["Cache-Control"] = "no-store"
    return NotificationSettingsOut.model_validate(setting)
