from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.inbox import service as inbox_service
from app.inbox.schemas import InboxItemOut, InboxOut
from app.kit.i18n import request_language
from app.web.deps import CurrentActor, SessionDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["inbox"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


@router.get("/inbox", response_model=InboxOut)
def get_inbox(request: Request, actor: CurrentActor, session: SessionDep) -> InboxOut:
    """What needs the caller's attention now, newest first, described in the caller's
    language. Coordinators and admins have an empty inbox."""
    inbox = inbox_service.inbox(session, actor, request_language(request))
    return InboxOut(
        items=[InboxItemOut.model_validate(item) for item in inbox.items], unseen=inbox.unseen
    )


@router.post("/inbox/seen", status_code=204)
def mark_inbox_seen(actor: CurrentActor, session: SessionDep) -> Response:
    """Everything in the inbox until now is no longer new."""
    inbox_service.mark_seen(session, actor)
    return Response(status_code=204)
