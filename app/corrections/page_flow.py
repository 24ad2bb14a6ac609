"""The one path the correction pages take (DESIGN §3, Corrections), for every kind of item: the
needs, goals, actions and referrals rooms describe their item once (``Corrected``) and their
routes call the functions here, the way every create form goes through ``app.kit.forms.submit``.

A correction page shows the item as stored, its earlier wording, and a form that sends the
version it was drawn at: a correction racing another comes back with what is stored now and
the form as typed (409), a refused one with its field messages (422), never lost. The pages
are the lead side's (``Reach.case``); the room's service does the work, exactly as for its
PATCH in the API. "Entered in error" is the same page for a need, a goal and an action
(``corrections/entered_in_error.html``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import Reach
from app.access.scope import FamilyOwned, FamilyScope, record_scope
from app.catalogue import template_store
from app.corrections import service as correction_service
from app.kit import forms
from app.kit.i18n import N_, request_language, translations
from app.kit.templating import render
from app.models import Canvas
from app.models.enums import CorrectedRecord
from app.web.case import case_context


class Item(FamilyOwned, Protocol):
    version: int


T = TypeVar("T", bound=Item)

# A correction's own words, beside the item's.
REASON_TOO_LONG = N_("The reason is too long.")
NO_LONGER = N_("This can no longer be marked as entered in error.")
ERROR_VERSION = N_("Someone else changed this just now. Look at it again and confirm again.")


@dataclass(frozen=True)
class Corrected(Generic[T]):
    """What the correction pages need to know of one kind of item."""

    record_type: CorrectedRecord
    model: type[T]
    # The service call that corrects it, as the API's PATCH makes it: (session, actor, scope,
    # item, the schema's data, the version the form was drawn at).
    service: Callable[[Session, Actor, FamilyScope, T, Any, int], object]
    schema: type[BaseModel]
    # The canvas the item is on and its anchor on the list page ("need-…").
    place: Callable[[Session, T], tuple[uuid.UUID, str]]
    # The case tab and the list page ("needs" -> "needs_page").
    section: str
    # The correction page: its template, the form as the stored item fills it, what else the
    # page shows (given the form shown), what of the form differs from the stored item (the
    # schema's data), and the form's messages.
    page_name: str = ""
    stored: Callable[[Session, T], dict[str, Any]] = field(default=lambda _session, _item: {})
    context: Callable[[Request, Session, T, Mapping[str, Any]], dict[str, Any]] = field(
        default=lambda _request, _session, _item, _form: {}
    )
    changes: Callable[[Session, T, Mapping[str, Any]], dict[str, Any]] = field(
        default=lambda _session, _item, _form: {}
    )
    messages: Mapping[str, str] = field(default_factory=dict)
    # What goes with it when it is marked entered in error, said before the caseworker
    # confirms: the referrals' names and the actions' words (a need's).
    goes_with: Callable[[Request, Session, T], tuple[list[str], list[str]]] | None = None

    @property
    def kind(self) -> str:
        return self.record_type.value

    def load(self, session: Session, actor: Actor, item_id: uuid.UUID) -> tuple[T, FamilyScope]:
        """The item, for the lead side that may change the case."""
        item, scope = record_scope(session, actor, self.model, item_id, self.kind, Reach.case)
        scope.require_edit()
        return item, scope

    def list_url(self, request: Request, session: Session, item: T) -> tuple[str, str]:
        canvas_id, anchor = self.place(session, item)
        return request.app.url_path_for(f"{self.section}_page", canvas_id=canvas_id), anchor


@dataclass(frozen=True)
class _Flow(Generic[T]):
    """One request to a correction page of one item, loaded for the lead side."""

    request: Request
    session: Session
    actor: Actor
    what: Corrected[T]
    item: T
    scope: FamilyScope

    @classmethod
    def open(
        cls,
        request: Request,
        session: Session,
        actor: Actor,
        what: Corrected[T],
        item_id: uuid.UUID,
    ) -> _Flow[T]:
        item, scope = what.load(session, actor, item_id)
        return cls(request, session, actor, what, item, scope)

    @property
    def lang(self) -> str:
        return request_language(self.request)

    def url(self, route: str) -> str:
        """A correction route of the item: ``need_correct``, ``goal_error``, …"""
        kind = self.what.kind
        return str(self.request.app.url_path_for(f"{kind}_{route}", **{f"{kind}_id": self.item.id}))

    def page(self, page_name: str, context: Mapping[str, Any], status_code: int) -> HTMLResponse:
        """A correction page of the case: what every one says of its item, the room's
        context, and the item's history (its read audited) with words for the ids it names."""
        session, what, item, scope = self.session, self.what, self.item, self.scope
        canvas_id, _anchor = what.place(session, item)
        canvas = session.get(Canvas, canvas_id)
        assert canvas is not None  # every item belongs to a canvas (foreign key)
        template = template_store.template_of(session, canvas)
        history = correction_service.read_history(
            session, self.actor, what.record_type, item.id, scope.family_id
        )
        full = case_context(canvas, scope, template, what.section)
        full.update(context)
        full["history"] = history
        full["names"] = correction_service.history_names(
            session, scope.family_id, history, self.lang
        )
        return render(self.request, page_name, full, status_code=status_code)

    def item_context(self) -> dict[str, Any]:
        """What every correction page says of its item: its words, whether it was entered in
        error already, the version the form is drawn at, the way back to the list."""
        field_name, value = correction_service.ERROR_FIELD[self.what.record_type]
        target, anchor = self.what.list_url(self.request, self.session, self.item)
        return {
            "kind": self.what.kind,
            "item_text": getattr(self.item, "text", ""),
            "in_error": correction_service.plain(getattr(self.item, field_name)) == value,
            "version": self.item.version,
            "back_url": f"{target}#{anchor}",
        }

    def correct_page(
        self,
        form: Mapping[str, Any] | None = None,
        errors: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        """The page that corrects the item: the form as stored, or as typed."""
        shown = dict(form or self.what.stored(self.session, self.item))
        context = self.item_context()
        context.update(self.what.context(self.request, self.session, self.item, shown))
        context.update(
            {"action_url": self.url("correct"), "form": shown, "errors": dict(errors or {})}
        )
        return self.page(self.what.page_name, context, status_code)

    def error_page(
        self,
        form: Mapping[str, Any] | None = None,
        errors: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        """The page that asks before the item is marked entered in error."""
        what = self.what
        context = self.item_context()
        referrals, actions = (
            what.goes_with(self.request, self.session, self.item) if what.goes_with else ([], [])
        )
        context.update(
            {
                "action_url": self.url("error"),
                "referrals": referrals,
                "actions": actions,
                "form": dict(form or {"reason": ""}),
                "errors": dict(errors or {}),
            }
        )
        return self.page("corrections/entered_in_error.html", context, status_code)

    def save(
        self,
        data: dict[str, Any],
        form: Mapping[str, Any],
        version: str,
        *,
        messages: Mapping[str, str],
        redraw: Callable[[Mapping[str, Any], Mapping[str, str], int], Response],
        saved: str,
        fix_errors: Callable[[dict[str, str]], None] | None = None,
    ) -> Response:
        """Sends ``data`` (what differs from the stored item), with the form's reason, to the
        room's service inside a savepoint. Refused: the page drawn again with the form as
        typed (409 when someone else changed the item meanwhile, 422 otherwise); saved: back
        to the list, the confirmation as a code."""
        what = self.what
        if form["reason"].strip():
            data["reason"] = form["reason"].strip()
        _, errors = forms.submit(
            self.session,
            lambda: what.service(
                self.session,
                self.actor,
                self.scope,
                self.item,
                what.schema.model_validate(data),
                forms.expected_version(version),
            ),
            messages,
            self.lang,
        )
        if errors:
            if fix_errors is not None:
                fix_errors(errors)
            return redraw(form, errors, 409 if "version" in errors else 422)
        target, anchor = what.list_url(self.request, self.session, self.item)
        fragment = "entered-in-error" if saved == "entered_in_error" else anchor
        return RedirectResponse(f"{target}?saved={saved}#{fragment}", status_code=303)


def correct_form(
    request: Request, session: Session, actor: Actor, what: Corrected[Any], item_id: uuid.UUID
) -> HTMLResponse:
    """The page that corrects an item, drawn as it is stored."""
    return _Flow.open(request, session, actor, what, item_id).correct_page()


def correct(
    request: Request,
    session: Session,
    actor: Actor,
    what: Corrected[Any],
    item_id: uuid.UUID,
    *,
    form: Mapping[str, Any],
    version: str,
    nothing_changed: str | None = None,
    fix_errors: Callable[[dict[str, str]], None] | None = None,
) -> Response:
    """Corrects the item with what of the form differs from it as stored (the form sends
    every field). ``nothing_changed``, when given, refuses a form that changes nothing before
    the service is asked; ``fix_errors`` may put the service's messages where the form shows
    them."""
    flow = _Flow.open(request, session, actor, what, item_id)
    data = what.changes(session, flow.item, form)
    if nothing_changed is not None and not data:
        message = translations(flow.lang).gettext(nothing_changed)
        return flow.correct_page(form, {"form": message}, 422)
    return flow.save(
        data,
        form,
        version,
        messages=what.messages,
        redraw=flow.correct_page,
        saved="corrected",
        fix_errors=fix_errors,
    )


def error_form(
    request: Request, session: Session, actor: Actor, what: Corrected[Any], item_id: uuid.UUID
) -> HTMLResponse:
    """The page that asks before an item is marked entered in error."""
    return _Flow.open(request, session, actor, what, item_id).error_page()


def mark_in_error(
    request: Request,
    session: Session,
    actor: Actor,
    what: Corrected[Any],
    item_id: uuid.UUID,
    *,
    reason: str,
    version: str,
) -> Response:
    """Marks the item entered in error through its room's service, as the API's PATCH does."""
    flow = _Flow.open(request, session, actor, what, item_id)
    field_name, value = correction_service.ERROR_FIELD[what.record_type]
    return flow.save(
        {field_name: value},
        {"reason": reason},
        version,
        messages={"reason": REASON_TOO_LONG, field_name: NO_LONGER, "version": ERROR_VERSION},
        redraw=flow.error_page,
        saved="entered_in_error",
    )
