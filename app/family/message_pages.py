"""A message to the plan lead from the family's own pages (DESIGN §12): a short text, kept
with who wrote it, and the family's own messages listed under the form. The text travels in
the form's body only, never in a URL; the confirmation after the redirect is a fixed code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.family import service as family_service
from app.family.pages import Done
from app.kit import forms
from app.kit.i18n import N_, long_date
from app.kit.templating import render
from app.members import service as member_service
from app.members.schemas import FamilyMessageCreate
from app.models.family_message import MESSAGE_MAX
from app.web.deps import FamilyVisitor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

MESSAGE_FIELDS = {
    "text": N_("Write your message, at most %(max)s characters."),
}

# Room for a message past the limit to reach the schema, which refuses it with the words
# above; anything longer is refused by the form itself.
MessageText = Annotated[str, Form(max_length=MESSAGE_MAX * 4)]


def _page(
    request: Request,
    session: Session,
    visitor: FamilyVisitor,
    *,
    text: str = "",
    error: str | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    messages = member_service.family_messages(session, visitor.family_id)
    family_service.record_read(session, visitor, "family_message", None, "family_door")
    context = {
        "visitor": visitor,
        "messages": messages,
        "writers": member_service.writers(session, messages),
        "sent": {m.id: long_date(m.created_at, visitor.language) for m in messages},
        "text": text,
        "error": error,
        "max": MESSAGE_MAX,
        "done": done,
    }
    return render(
        request,
        "family/message.html",
        context,
        lang=visitor.language,
        status_code=status_code,
    )


@router.get("/familie/melding", name="family_message")
def family_message(
    request: Request, visitor: FamilyVisitor, session: SessionDep, done: Done = None
) -> HTMLResponse:
    return _page(request, session, visitor, done=done if done == "sent" else None)


@router.post("/familie/melding", name="family_message_send")
def family_message_send(
    request: Request, visitor: FamilyVisitor, session: SessionDep, text: MessageText = ""
) -> Response:
    lang = visitor.language
    sent, errors = forms.submit(
        session,
        lambda: member_service.send_message(session, visitor, FamilyMessageCreate(text=text)),
        MESSAGE_FIELDS,
        lang,
    )
    if sent is None:
        error = errors.get("text", "") % {"max": MESSAGE_MAX}
        return _page(request, session, visitor, text=text, error=error, status_code=422)
    return RedirectResponse("/familie/melding?done=sent", status_code=303)
