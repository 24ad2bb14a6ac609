"""Each user's inbox: what needs their attention in the families and plans they may see.

The inbox is not stored. It is derived from the current state on every request, so it can
never show something the user may no longer see (a withdrawn consent takes the items with it
at once) and no other room needs to call in when something happens. The queries are batched:
a fixed handful per request, however many families and items there are.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import FamilyAccess, can_list_families
from app.access.shared import shared_item_ids
from app.audit import service as audit
from app.db import utcnow
from app.inbox.rows import (
    CONSENT_WARNING,
    DUE_SOON,
    Rows,
    Seen,
    load_rows,
    plans_for_canvases,
    seen_families,
    start_of,
)
from app.kit.i18n import local_today, long_date, translations
from app.models import Action, Unit, User
from app.readings import service as reading_service

SHORT_TEXT = 160  # characters of an action's text or a review comment shown in an item


class InboxKind(enum.StrEnum):
    review_requested = "review_requested"
    changes_requested = "changes_requested"
    action_overdue = "action_overdue"
    action_due_soon = "action_due_soon"
    review_overdue = "review_overdue"
    review_due_soon = "review_due_soon"
    consent_expiring = "consent_expiring"
    plan_active = "plan_active"
    family_message = "family_message"


# The order of the headings on the inbox page: what needs a decision first; a family waiting
# for an answer before what is only news.
KIND_ORDER = (*tuple(InboxKind)[:-2], InboxKind.family_message, InboxKind.plan_active)


@dataclass(frozen=True, slots=True)
class InboxItem:
    kind: InboxKind
    at: datetime  # the moment it arose: orders the inbox and decides what is new
    family_id: uuid.UUID
    family_name: str
    link: str
    plan_id: uuid.UUID | None = None
    plan_number: int | None = None
    action_id: uuid.UUID | None = None
    consent_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    unit_name: str | None = None
    due: date | None = None
    days: int | None = None  # from today to ``due``, for a review: negative once passed
    detail: str | None = None  # the action's text or the review's comment, as written
    new: bool = False
    text: str = ""
    count: int = 0  # unread messages from the family

    @property
    def key(self) -> tuple[object, ...]:
        ids = (self.plan_id, self.action_id, self.consent_id, self.unit_id)
        return (self.kind, self.family_id, *ids)


@dataclass(frozen=True, slots=True)
class Inbox:
    items: list[InboxItem] = field(default_factory=list)
    unseen: int = 0

    def groups(self) -> list[tuple[InboxKind, list[InboxItem]]]:
        by_kind: dict[InboxKind, list[InboxItem]] = defaultdict(list)
        for item in self.items:
            by_kind[item.kind].append(item)
        return [(kind, by_kind[kind]) for kind in KIND_ORDER if by_kind[kind]]


# --- turning rows into items -----------------------------------------------------------------


def _review_items(rows: Rows, seen: dict[uuid.UUID, Seen]) -> Iterable[InboxItem]:
    for plan_id, unit_id, family_id, number, submitted_at in rows.pending_reviews:
        view = seen.get(family_id)
        if view is None or unit_id not in view.consented_units:
            continue
        yield InboxItem(
            kind=InboxKind.review_requested,
            at=submitted_at,
            family_id=family_id,
            family_name=view.family.display_name,
            link=f"/plans/{plan_id}/review",
            plan_id=plan_id,
            plan_number=number,
            unit_id=unit_id,
        )


def _changes_items(rows: Rows, seen: dict[uuid.UUID, Seen]) -> Iterable[InboxItem]:
    for review, family_id, number in rows.changes:
        view = seen.get(family_id)
        if view is None or not view.is_plan_lead:
            continue
        yield InboxItem(
            kind=InboxKind.changes_requested,
            at=review.decided_at or utcnow(),
            family_id=family_id,
            family_name=view.family.display_name,
            link=f"/plans/{review.plan_id}",
            plan_id=review.plan_id,
            plan_number=number,
            unit_id=review.unit_id,
            detail=review.comment,
        )


def _active_items(rows: Rows, seen: dict[uuid.UUID, Seen]) -> Iterable[InboxItem]:
    for plan_id, family_id, number, activated_at, asked_unit in rows.active_plans:
        view = seen.get(family_id)
        if view is None or activated_at is None:
            continue
        if not view.is_plan_lead and asked_unit not in view.consented_units:
            continue
        yield InboxItem(
            kind=InboxKind.plan_active,
            at=activated_at,
            family_id=family_id,
            family_name=view.family.display_name,
            link=f"/plans/{plan_id}",
            plan_id=plan_id,
            plan_number=number,
        )


def _action_items(
    rows: Rows,
    seen: dict[uuid.UUID, Seen],
    plans: dict[uuid.UUID, uuid.UUID],
    today: date,
    shared_actions: set[str],
) -> Iterable[InboxItem]:
    for action in rows.actions:
        view = seen.get(action.family_id)
        if view is None or action.due_date is None:
            continue
        if not view.is_plan_lead and action.responsible_unit_id not in view.acting_units:
            continue
        # A consented unit hears of its actions once a submitted plan holds them (§4.1).
        if view.access is FamilyAccess.consented and str(action.id) not in shared_actions:
            continue
        overdue = action.due_date < today
        # It arose when the due date came within the week, or passed; or when the action was
        # written down, if that was later.
        window_opened = (
            action.due_date + timedelta(days=1) if overdue else action.due_date - DUE_SOON
        )
        yield InboxItem(
            kind=InboxKind.action_overdue if overdue else InboxKind.action_due_soon,
            at=max(action.created_at, start_of(window_opened)),
            family_id=action.family_id,
            family_name=view.family.display_name,
            link=_action_link(action, view, plans),
            plan_id=plans.get(action.canvas_id),
            action_id=action.id,
            unit_id=action.responsible_unit_id,
            due=action.due_date,
            detail=action.text,
        )


def _action_link(action: Action, view: Seen, plans: dict[uuid.UUID, uuid.UUID]) -> str:
    if view.access is FamilyAccess.lead_side:
        return f"/canvases/{action.canvas_id}/actions"
    plan_id = plans.get(action.canvas_id)
    return f"/plans/{plan_id}/review" if plan_id else f"/families/{action.family_id}"


def _consent_items(rows: Rows, seen: dict[uuid.UUID, Seen]) -> Iterable[InboxItem]:
    for consent in rows.consents:
        view = seen.get(consent.family_id)
        if view is None or not view.is_plan_lead or consent.expires_at is None:
            continue
        yield InboxItem(
            kind=InboxKind.consent_expiring,
            at=max(consent.given_at, consent.expires_at - CONSENT_WARNING),
            family_id=consent.family_id,
            family_name=view.family.display_name,
            link=f"/families/{consent.family_id}/consents",
            consent_id=consent.id,
            unit_id=consent.unit_id,
            due=consent.expires_at.date(),
        )


def _review_reminders(rows: Rows, seen: dict[uuid.UUID, Seen]) -> Iterable[InboxItem]:
    """The plan lead's own families whose next review is within the week, or has passed with
    no follow-up held (see reading_service.next_reviews)."""
    for family_id, review in rows.reviews.items():
        view = seen.get(family_id)
        if view is None or not view.is_plan_lead:
            continue
        overdue = review.state is reading_service.ReviewState.overdue
        # It arose when the week before the review began, or the day after the review.
        window_opened = (
            review.on + timedelta(days=1) if overdue else review.on - reading_service.REVIEW_NOTICE
        )
        yield InboxItem(
            kind=InboxKind.review_overdue if overdue else InboxKind.review_due_soon,
            at=start_of(window_opened),
            family_id=family_id,
            family_name=view.family.display_name,
            link=f"/families/{family_id}",
            due=review.on,
            days=review.days,
        )


def _message_items(rows: Rows, seen: dict[uuid.UUID, Seen]) -> Iterable[InboxItem]:
    """Unread messages from the families the actor leads: one item per family, saying how
    many. The text stays on the family's messages page (personal data, read there)."""
    for family_id, count, newest in rows.messages:
        view = seen.get(family_id)
        if view is None or not view.is_plan_lead:
            continue
        yield InboxItem(
            kind=InboxKind.family_message,
            at=newest,
            family_id=family_id,
            family_name=view.family.display_name,
            link=f"/families/{family_id}/messages",
            count=count,
        )


def _collect(session: Session, actor: Actor) -> list[InboxItem]:
    # Coordinators and admins never see case content (DESIGN §4.3): their inbox is empty.
    if not can_list_families(actor):
        return []
    now = utcnow()
    today = local_today()
    rows = load_rows(session, actor, now, today)
    seen = seen_families(session, actor, rows.family_ids(), now)
    plans = plans_for_canvases(session, {a.canvas_id for a in rows.actions if a.family_id in seen})
    consented = [f for f, view in seen.items() if view.access is FamilyAccess.consented]
    shared_actions, _ = shared_item_ids(session, consented)
    unit_names = _unit_names(session, rows.unit_ids())
    unique: dict[tuple[object, ...], InboxItem] = {}
    for item in (
        *_review_items(rows, seen),
        *_changes_items(rows, seen),
        *_active_items(rows, seen),
        *_action_items(rows, seen, plans, today, shared_actions),
        *_consent_items(rows, seen),
        *_review_reminders(rows, seen),
        *_message_items(rows, seen),
    ):
        named = replace(item, unit_name=unit_names.get(item.unit_id)) if item.unit_id else item
        unique.setdefault(named.key, named)
    return sorted(unique.values(), key=lambda i: (i.at, str(i.key)), reverse=True)


def pending_items(session: Session, actor: Actor) -> list[InboxItem]:
    """What waits for the actor, undescribed and unaudited: for the daily scan that tells
    people outside the app that something waits (app/inbox/reminders.py). It shows nobody
    anything of a family, so it records no read; whoever follows the message's link reads the
    inbox itself, and that read is recorded."""
    return _collect(session, actor)


def _unit_names(session: Session, unit_ids: set[uuid.UUID]) -> dict[uuid.UUID | None, str]:
    if not unit_ids:
        return {}
    rows = session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()
    return dict(rows)


def _marked(session: Session, actor: Actor) -> list[InboxItem]:
    """What waits for the actor, each item marked new if it arose since they last looked."""
    items = _collect(session, actor)
    seen_at = session.scalar(select(User.inbox_seen_at).where(User.id == actor.user_id))
    return [replace(item, new=seen_at is None or item.at > seen_at) for item in items]


def inbox(session: Session, actor: Actor, lang: str) -> Inbox:
    """The actor's inbox, newest first, each item described in ``lang``. Every family it names
    is recorded in the family's audit trail as read for the inbox."""
    marked = _marked(session, actor)
    for family_id in sorted({item.family_id for item in marked}):
        audit.record_family_read(session, actor, family_id, purpose="inbox")
    described = [replace(item, text=describe(item, lang)) for item in marked]
    return Inbox(items=described, unseen=sum(item.new for item in described))


def unseen_count(session: Session, actor: Actor) -> int | None:
    """How many items are new, for the home page's one-line summary; None for a user who has
    no inbox. It names no family and shows nothing of one, so it records no read in any
    family's trail."""
    if not can_list_families(actor):
        return None
    return sum(item.new for item in _marked(session, actor))


def mark_seen(session: Session, actor: Actor) -> None:
    user = session.get(User, actor.user_id)
    assert user is not None, "a signed-in actor is a user"
    user.inbox_seen_at = utcnow()
    session.flush()


# --- what an item says -----------------------------------------------------------------------


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SHORT_TEXT else text[: SHORT_TEXT - 1].rstrip() + "…"


def describe(item: InboxItem, lang: str) -> str:
    _ = translations(lang).gettext
    ngettext = translations(lang).ngettext
    unit = item.unit_name or ""
    match item.kind:
        case InboxKind.review_requested:
            return _("Plan version %(number)s is waiting for review by %(unit)s.") % {
                "number": item.plan_number,
                "unit": unit,
            }
        case InboxKind.changes_requested:
            if not item.detail:
                return _("%(unit)s asked for changes to plan version %(number)s.") % {
                    "unit": unit,
                    "number": item.plan_number,
                }
            return _("%(unit)s asked for changes to plan version %(number)s: %(comment)s") % {
                "unit": unit,
                "number": item.plan_number,
                "comment": _short(item.detail),
            }
        case InboxKind.plan_active:
            return _("Plan version %(number)s is approved and now in force.") % {
                "number": item.plan_number
            }
        case InboxKind.action_due_soon:
            return _("Due %(date)s: %(action)s") % {
                "date": long_date(item.due, lang),
                "action": _short(item.detail),
            }
        case InboxKind.action_overdue:
            return _("Was due %(date)s: %(action)s") % {
                "date": long_date(item.due, lang),
                "action": _short(item.detail),
            }
        case InboxKind.consent_expiring:
            return _("The consent to share the plan with %(unit)s expires %(date)s.") % {
                "unit": unit,
                "date": long_date(item.due, lang),
            }
        case InboxKind.review_due_soon:
            if not item.days:
                return _("Follow-up today: the plan's next review is %(date)s.") % {
                    "date": long_date(item.due, lang)
                }
            return ngettext(
                "Follow-up in %(num)d day: the plan's next review is %(date)s.",
                "Follow-up in %(num)d days: the plan's next review is %(date)s.",
                item.days,
            ) % {"num": item.days, "date": long_date(item.due, lang)}
        case InboxKind.family_message:
            return ngettext(
                "%(num)d unread message from the family.",
                "%(num)d unread messages from the family.",
                item.count,
            ) % {"num": item.count}
        case InboxKind.review_overdue:
            return _(
                "Follow-up overdue: the plan's next review was %(date)s. Record the follow-up "
                "meeting, or set a new date."
            ) % {"date": long_date(item.due, lang)}


def kind_heading(kind: InboxKind, lang: str) -> str:
    _ = translations(lang).gettext
    headings = {
        InboxKind.review_requested: _("Plans waiting for your review"),
        InboxKind.changes_requested: _("Changes requested"),
        InboxKind.action_overdue: _("Overdue actions"),
        InboxKind.action_due_soon: _("Actions due within a week"),
        InboxKind.review_overdue: _("Overdue follow-ups"),
        InboxKind.review_due_soon: _("Follow-ups within a week"),
        InboxKind.consent_expiring: _("Consents expiring soon"),
        InboxKind.plan_active: _("Plans now in force"),
        InboxKind.family_message: _("Messages from families"),
    }
    return headings[kind]
