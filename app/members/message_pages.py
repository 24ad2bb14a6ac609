"""The family's messages on the plan lead's side (DESIGN §12): read on the family's own page,
marked read there, which takes them out of the inbox. The lead side only: for anyone else the
family's messages do not exist (404)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import Reach
from app.access.scope import FamilyScope, family_scope
from app.audit import service as audit
from app.kit.errors import NotFound
from app.kit.i18n import long_date, request_language
from app.kit.templating import render
from app.members import service as member_service
from app.models import FamilyMessage
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


def _lead_side(session: Session, actor: Actor, family_id: uuid.UUID) -> FamilyScope:
    scope = family_scope(session, actor, family_id, Reach.case)
    scope.require_lead_side()
    return scope


@router.get("/families/{family_id}/messages", name="family_messages_page")
def family_messages_page(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    scope = _lead_side(session, actor, family_id)
    messages = member_service.family_messages(session, scope.family_id)
    audit.record_family_read(session, actor, scope.family_id, purpose="family_messages")
    lang = request_language(request)
    context = {
        "family": scope.family,
        "messages": messages,
        "writers": member_service.writers(session, messages),
        "sent": {m.id: long_date(m.created_at, lang) for m in messages},
    }
    return render(request, "members/messages.html", context, headers={"Cache-Control": "no-store"})


@router.post("/families/{family_id}/messages/{message_id}/read", name="family_message_read")
def family_message_read(
    family_id: uuid.UUID, message_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> Response:
    scope = _lead_side(session, actor, family_id)
    message = session.get(FamilyMessage, message_id)
    if message is None or message.family_id != scope.family_id:
        raise NotFound("No such message.")
    member_service.mark_message_read(session, actor, message)
    return RedirectResponse(f"/families/{scope.family_id}/messages", status_code=303)
