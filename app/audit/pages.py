"""Who has seen our data (DESIGN §4.5): the family's audit trail in plain words, newest first,
with a summary by unit, and a print of it for the family to take home in its own language.

For the plan lead's side only: a consented unit is refused (403), everyone else finds nothing
(404), exactly as the API decides. Showing the trail is itself recorded in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import Reach
from app.access.scope import FamilyScope, family_scope
from app.audit import service as audit
from app.audit.words import describe_event
from app.kit.i18n import local, local_today, request_language
from app.kit.pagination import decode_keyset, encode_keyset
from app.kit.templating import render
from app.models import AuditEvent
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# The family meets its caseworker in Norway: dates and times are shown as they read there.
TRAIL_PAGE = 50
TRAIL_PRINT = 1000


def _lead_scope(session: Session, actor: Actor, family_id: uuid.UUID) -> FamilyScope:
    scope = family_scope(session, actor, family_id, Reach.plan)
    scope.require_lead_side()
    return scope


def _trail_context(
    session: Session, events: Sequence[AuditEvent], lang: str
) -> list[dict[str, Any]]:
    """The events with each person's name as the family knows them (the trail keeps usernames)."""
    user_ids = sorted({e.user_id for e in events if e.user_id}, key=str)
    names = audit.display_names(session, user_ids)
    return [
        {
            "event": e,
            "person": names.get(e.user_id, e.username or "") if e.user_id else (e.username or ""),
            **describe_event(e, lang),
        }
        for e in events
    ]


def _common(session: Session, scope: FamilyScope) -> dict[str, Any]:
    """What the page and its print both show above the entries."""
    return {
        "family": scope.family,
        "local": local,
        "summary": audit.trail_summary(session, scope.family.id),
        "people": audit.trail_people(session, scope.family.id),
    }


@router.get("/families/{family_id}/audit", name="audit_page")
def audit_page(
    request: Request,
    family_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    scope = _lead_scope(session, actor, family_id)
    events, more = audit.audit_trail(
        session, actor, scope, after=decode_keyset(cursor), limit=TRAIL_PAGE
    )
    return render(
        request,
        "audit/audit.html",
        {
            **_common(session, scope),
            "entries": _trail_context(session, events, request_language(request)),
            "next": encode_keyset(events[-1].at, events[-1].id) if more else None,
            "first_page": cursor is None,
        },
    )


@router.get("/families/{family_id}/audit/print", name="audit_print")
def audit_print(
    request: Request, family_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    """The trail for the family to take home, in the family's language, any of the seven (its
    words are the family's gettext domain, as the consent statement's), right to left in
    Arabic."""
    scope = _lead_scope(session, actor, family_id)
    lang = scope.family.language.value
    events, more = audit.audit_trail(session, actor, scope, after=None, limit=TRAIL_PRINT)
    return render(
        request,
        "audit/audit_print.html",
        {
            **_common(session, scope),
            "entries": _trail_context(session, events, lang),
            "more": more,
            "today": local_today(),
        },
        lang=lang,
    )
