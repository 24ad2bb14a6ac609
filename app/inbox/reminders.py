"""The daily scan that tells people outside the app what has come due (DESIGN §12): "your action
is due in 3 days" and "a consent expires in 14 days". It asks the inbox what waits for each
user who wants word, so a message goes to exactly those whom the inbox would show the item,
by the same access rules (a withdrawn consent, a family handed to another lead, an action
not yet in a submitted plan: no message), and queues one message per item and user, once.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.inbox import service as inbox_service
from app.inbox.service import InboxItem, InboxKind
from app.kit.i18n import local_today
from app.models import Action
from app.models.enums import NotificationKind
from app.notifications import service as notification_service

ACTION_NOTICE = timedelta(days=3)
CONSENT_NOTICE = timedelta(days=14)


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
    return queued
