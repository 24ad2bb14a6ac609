"""The inbox page: what needs the signed-in user's attention, grouped by kind."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.inbox import service as inbox_service
from app.kit.i18n import request_language
from app.kit.templating import render
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.get("/inbox", name="inbox_page")
def inbox_page(request: Request, actor: PageActor, session: SessionDep) -> HTMLResponse:
    lang = request_language(request)
    inbox = inbox_service.inbox(session, actor, lang)
    groups = [
        (kind, inbox_service.kind_heading(kind, lang), items) for kind, items in inbox.groups()
    ]
    return render(request, "inbox/inbox.html", {"inbox": inbox, "groups": groups})


@router.post("/inbox/seen", name="inbox_seen")
def inbox_seen(actor: PageActor, session: SessionDep) -> Response:
    inbox_service.mark_seen(session, actor)
    return RedirectResponse("/inbox", status_code=303)
