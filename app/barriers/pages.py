"""The barrier register in the browser: a caseworker records a barrier (from the canvas or the
plan, with ``?family=<id>`` so the text is checked against that family's names) and follows
what became of it; a coordinator approves or rejects each text before any report shows it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import Reach, can_decide_barrier, can_list_barriers, can_record_barrier
from app.access.scope import family_scope
from app.barriers import service as barrier_service
from app.barriers.schemas import BarrierCreate, BarrierDecision
from app.catalogue import template_store
from app.kit.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from app.kit.i18n import request_language, translations
from app.kit.templating import render
from app.models import Barrier
from app.models.enums import BarrierCategory, BarrierStatus, ResponsibleLevel
from app.web.deps import PageActor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# A page of a list at a time: the coordinator's queue holds a form per barrier.
LIST_SIZE = 50
DONE = frozenset({"recorded", "approved", "rejected"})
Offsets = Mapping[str, int]
# Where each list starts, from the query: /barriers?approved_from=50 shows approved 51-100.
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@dataclass(frozen=True)
class Listing:
    """One list of the register, a page at a time, newest first."""

    key: str  # the query parameter that says where it starts
    items: list[Barrier]
    offset: int
    total: int
    more: bool

    @property
    def first(self) -> int:
        return self.offset + 1

    @property
    def last(self) -> int:
        return self.offset + len(self.items)


def _listing(
    session: Session, actor: Actor, status: BarrierStatus | None, key: str, offsets: Offsets
) -> Listing:
    offset = offsets.get(key, 0)
    items, more = barrier_service.list_barriers(
        session, actor, status=status, offset=offset, limit=LIST_SIZE
    )
    total = barrier_service.count_barriers(session, actor, status=status)
    return Listing(key, list(items), offset, total, more)


def _domain_titles(session: Session, lang: str) -> dict[str, str]:
    titles: dict[str, str] = {}
    for _row, template in template_store.latest_all(session):
        for domain in template.domains:
            titles.setdefault(domain.key, domain.title.get(lang))
    return titles


def _messages(errors: list[FieldError], lang: str) -> dict[str, list[str]]:
    """Field messages for the form. Personal-data findings come translated from the check;
    everything else gets a plain message per field."""
    _ = translations(lang).gettext
    plain = {
        "category": _("Choose what kind of barrier this is."),
        "domain": _("Choose the part of life it concerns."),
        "responsible_level": _("Choose who can change it."),
        "text": _("Describe the barrier (at most 10,000 characters)."),
        "comment": _("Say why the text is rejected, so the writer can learn from it."),
    }
    out: dict[str, list[str]] = {}
    for error in errors:
        field = error.field.split(".")[0]
        message = error.message if error.field == "text" and error.message else plain.get(field)
        out.setdefault(field, []).append(message or _("Check this field."))
    return out


def _schema_errors(exc: ValidationError) -> list[FieldError]:
    # Only the field names: pydantic's English messages are replaced by the form's own.
    return [FieldError(str(e["loc"][0]) if e["loc"] else "form", "") for e in exc.errors()]


def _page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    family: uuid.UUID | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    decision_for: uuid.UUID | None = None,
    decision_form: dict[str, str] | None = None,
    done: str | None = None,
    offsets: Offsets | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    if not can_list_barriers(actor):
        raise Forbidden("Barriers are for caseworkers and coordinators.")
    lang = request_language(request)
    coordinator = can_decide_barrier(actor)
    offsets = offsets or {}
    lists: dict[str, Listing] = {}
    if coordinator:
        lists["pending"] = _listing(session, actor, BarrierStatus.pending, "pending_from", offsets)
        lists["approved"] = _listing(
            session, actor, BarrierStatus.approved, "approved_from", offsets
        )
    else:
        lists["mine"] = _listing(session, actor, None, "mine_from", offsets)
    return render(
        request,
        "barriers/barriers.html",
        {
            "coordinator": coordinator,
            "can_record": can_record_barrier(actor),
            "categories": [c.value for c in BarrierCategory],
            "levels": [level.value for level in ResponsibleLevel],
            "domains": _domain_titles(session, lang),
            "family_id": family,
            "form": form or {},
            "errors": errors or {},
            "mine": lists.get("mine"),
            "pending": lists.get("pending"),
            "approved": lists.get("approved"),
            "decision_for": decision_for,
            "decision_form": decision_form or {},
            "done": done if done in DONE else None,
        },
        status_code=status_code,
    )


def _family_id(raw: str) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("No such family.") from None


@router.get("/barriers", name="barriers")
def barriers_page(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    family: Annotated[uuid.UUID | None, Query()] = None,
    done: Annotated[str | None, Query(max_length=20)] = None,
    pending_from: Offset = 0,
    approved_from: Offset = 0,
    mine_from: Offset = 0,
) -> HTMLResponse:
    if family is not None:
        # A family the caseworker cannot see is 404.
        family_scope(session, actor, family, Reach.plan)
    offsets = {"pending_from": pending_from, "approved_from": approved_from, "mine_from": mine_from}
    return _page(request, session, actor, family=family, done=done, offsets=offsets)


@router.post("/barriers", name="barrier_record")
def barrier_record(
    request: Request,
    actor: PageActor,
    session: SessionDep,
    category: Annotated[str, Form(max_length=40)] = "",
    domain: Annotated[str, Form(max_length=120)] = "",
    responsible_level: Annotated[str, Form(max_length=40)] = "",
    text: Annotated[str, Form()] = "",
    family: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    if not can_record_barrier(actor):
        raise Forbidden("Only caseworkers record barriers.")
    lang = request_language(request)
    form = {
        "category": category,
        "domain": domain,
        "responsible_level": responsible_level,
        "text": text.replace("\r\n", "\n"),
    }
    family_id = _family_id(family)
    try:
        with session.begin_nested():  # a refusal undoes the service's work, nothing else
            data = BarrierCreate.model_validate({**form, "family_id": family_id})
            barrier_service.record_barrier(session, actor, data, translations(lang).gettext)
    except ValidationError as exc:
        # Say everything at once: the choices the schema refused, and what the text holds.
        errors = _schema_errors(exc)
        refused = {e.field for e in errors}
        errors += [
            e
            for e in barrier_service.content_errors(
                session, actor, domain, form["text"], family_id, translations(lang).gettext
            )
            if e.field not in refused
        ]
    except Invalid as exc:
        errors = exc.errors
    else:
        return RedirectResponse("/barriers?done=recorded", status_code=303)
    return _page(
        request,
        session,
        actor,
        family=family_id,
        form=form,
        errors=_messages(errors, lang),
        status_code=422,
    )


@router.post("/barriers/{barrier_id}/decision", name="barrier_decide")
def barrier_decide(
    request: Request,
    barrier_id: uuid.UUID,
    actor: PageActor,
    session: SessionDep,
    decision: Annotated[str, Form(max_length=20)] = "",
    text: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    if not can_decide_barrier(actor):
        raise Forbidden("Only a coordinator approves barrier texts.")
    lang = request_language(request)
    form = {"text": text.replace("\r\n", "\n"), "comment": comment}
    try:
        with session.begin_nested():  # a refusal undoes the service's work, nothing else
            data = BarrierDecision.model_validate(
                {
                    "decision": decision,
                    "comment": comment or None,
                    # The text is sent back only as the coordinator left it, to be approved.
                    "text": form["text"] if decision == "approved" else None,
                }
            )
            barrier_service.decide_barrier(
                session, actor, barrier_id, data, translations(lang).gettext
            )
    except ValidationError as exc:
        errors = _schema_errors(exc)
    except Invalid as exc:
        errors = exc.errors
    except Conflict:
        return _page(
            request,
            session,
            actor,
            errors={"decision": [translations(lang).gettext("Someone else decided it first.")]},
            status_code=409,
        )
    else:
        return RedirectResponse(f"/barriers?done={data.decision.value}", status_code=303)
    return _page(
        request,
        session,
        actor,
        errors=_messages(errors, lang),
        decision_for=barrier_id,
        decision_form=form,
        status_code=422,
    )
