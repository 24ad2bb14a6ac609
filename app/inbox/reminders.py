"""The daily scan that tells people outside the app what has come due (DESIGN §12): "your action
is due in 3 days" and "a consent expires in 14 days". It asks the inbox what waits for each
user who wants word, so a message goes to exactly those whom the inbox would show the item,
by the same access rules (a withdrawn consent, a family handed to another lead, an action
not yet in a submitted plan: no message), and queues one message per item and user, once.
And to the family: "your next meeting", a few days before the follow-up meeting set on the
canvas the family is followed up on, once per meeting, to the members who may sign in and
chose a channel.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.canvases import service as canvas_service
from app.inbox import service as inbox_service
from app.inbox.service import InboxItem, InboxKind
from app.kit.i18n import local_today
from app.models import Action, Canvas, Family
from app.models.enums import FamilyStatus, NotificationKind
from app.notifications import service as notification_service

ACTION_NOTICE = timedelta(days=3)
CONSENT_NOTICE = timedelta(days=14)
# Time to ask for a day off work or find someone to mind the children, near enough to remember.
MEETING_NOTICE = timedelta(days=3)


def _named_users(session: Session, items: list[InboxItem]) -> dict[uuid.UUID, uuid.UUID | None]:
    action_ids = {item.action_id for item in items if item.action_id is not None}
    if not action_ids:
        return {}
    rows = session.execute(
        select(Action.id, Action.responsible_user_id).where(Action.id.in_(action_ids))
    ).all()
    return dict(rows)


def _action_due(
    item: InboxItem,
    user_id: uuid.UUID,
    unit_ids: frozenset[uuid.UUID],
    named: dict[uuid.UUID, uuid.UUID | None],
    today: date,
) -> bool:
    """An action of the user's: one assigned to them by name, or to one of their units with
    nobody named; due within the notice (the family's own actions wait for members who can be
    reached)."""
    if item.kind is not InboxKind.action_due_soon or item.due is None or item.action_id is None:
        return False
    if not today <= item.due <= today + ACTION_NOTICE:
        return False
    person = named.get(item.action_id)
    if person is not None:
        return person == user_id
    return item.unit_id is not None and item.unit_id in unit_ids


def _consent_expiring(item: InboxItem, today: date) -> bool:
    # The inbox shows an expiring consent to the family's plan lead only.
    return (
        item.kind is InboxKind.consent_expiring
        and item.due is not None
        and item.due <= today + CONSENT_NOTICE
    )


def scan(session: Session, today: date | None = None) -> int:
    """Queue today's reminders for everyone who wants word; returns how many were queued now
    (a second scan the same day queues none)."""
    today = today or local_today()
    queued = 0
    for user in notification_service.users_wanting_word(session):
        actor = account_service.actor_from_user(user)
        items = inbox_service.pending_items(session, actor)
        named = _named_users(session, items)
        for item in items:
            if _action_due(item, user.id, actor.unit_ids, named, today):
                queued += notification_service.enqueue(
                    session, NotificationKind.action_due, f"{item.action_id}:{item.due}", [user.id]
                )
            elif _consent_expiring(item, today):
                queued += notification_service.enqueue(
                    session,
                    NotificationKind.consent_expiring,
                    f"{item.consent_id}:{item.due}",
                    [user.id],
                )
    return queued + _next_meetings(session, today)


def _next_meetings(session: Session, today: date) -> int:
    """ "Your next meeting" to the families of active cases whose next review falls within the
    notice, once per meeting date: a meeting moved to another day is told again."""
    last = today + MEETING_NOTICE
    # Only the families with a canvas dated within the notice, not every family there is;
    # next_reviews then keeps the date of the canvas each is followed up on.
    candidates = session.scalars(
        select(Canvas.family_id)
        .join(Family, Family.id == Canvas.family_id)
        .where(
            Family.status == FamilyStatus.active,
            Canvas.next_review_date >= today,
            Canvas.next_review_date <= last,
        )
        .distinct()
    ).all()
    queued = 0
    for family_id, when in sorted(canvas_service.next_reviews(session, candidates).items()):
        if today <= when <= last:
            queued += notification_service.enqueue_family(
                session, NotificationKind.family_next_meeting, f"{family_id}:{when}", family_id
            )
    return queued
