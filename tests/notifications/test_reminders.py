"""The daily scan (DESIGN §12): "your action is due in 3 days" to the person named on the
action, else to the responsible unit's users; "a consent expires in 14 days" to the plan lead;
each once, and only to those whom the inbox would show the item (a withdrawn consent: none)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.consents import service as consent_service
from app.db import utcnow
from app.inbox import reminders
from app.kit.i18n import local_today
from app.models import Consent, Notification, User
from app.models.enums import NotificationChannel, NotificationKind, Role
from app.notifications import delivery
from tests.factories import World, actor_of, make_user
from tests.notifications.conftest import case_strings, choose
from tests.smtp_server import SmtpServer


def _queued(session: Session) -> set[tuple[NotificationKind, object]]:
    session.expire_all()
    return {(n.kind, n.user_id) for n in session.scalars(select(Notification))}


def _due_in(session: Session, world: World, days: int, *, named: bool) -> None:
    world.action.due_date = local_today() + timedelta(days=days)
    world.action.responsible_user_id = world.consented.id if named else None
    session.commit()


def _everyone_wants_word(session: Session, world: World) -> User:
    colleague = make_user(session, role=Role.reviewer, units=[world.unit_b])
    for user, address in (
        (world.consented, "berit@bv.test"),
        (colleague, "colleague@bv.test"),
        (world.lead, "kari@nav.test"),
        (world.same_unit, "same@nav.test"),
    ):
        choose(session, user, NotificationChannel.email, email=address, language="en")
    return colleague


def test_an_action_due_in_three_days_reaches_the_person_named_on_it_only(
    session: Session, world: World
) -> None:
    _everyone_wants_word(session, world)
    _due_in(session, world, 3, named=True)

    reminders.scan(session)

    assert _queued(session) == {(NotificationKind.action_due, world.consented.id)}


def test_an_action_of_a_unit_with_nobody_named_reaches_the_units_users(
    session: Session, world: World
) -> None:
    colleague = _everyone_wants_word(session, world)
    _due_in(session, world, 2, named=False)

    reminders.scan(session)

    assert _queued(session) == {
        (NotificationKind.action_due, world.consented.id),
        (NotificationKind.action_due, colleague.id),
    }


def test_an_action_due_later_than_three_days_waits(session: Session, world: World) -> None:
    _everyone_wants_word(session, world)
    _due_in(session, world, 4, named=False)

    assert reminders.scan(session) == 0
    assert _queued(session) == set()


def test_a_consent_expiring_within_fourteen_days_reaches_the_plan_lead_once(
    session: Session, world: World
) -> None:
    _everyone_wants_word(session, world)
    consent = session.get(Consent, world.consent_b_id)
    assert consent is not None
    consent.expires_at = utcnow() + timedelta(days=13)
    session.commit()

    first = reminders.scan(session)
    second = reminders.scan(session)

    assert (first, second) == (1, 0)
    assert _queued(session) == {(NotificationKind.consent_expiring, world.lead.id)}


def test_a_consent_expiring_later_than_fourteen_days_waits(session: Session, world: World) -> None:
    _everyone_wants_word(session, world)
    consent = session.get(Consent, world.consent_b_id)
    assert consent is not None
    consent.expires_at = utcnow() + timedelta(days=20)
    session.commit()

    reminders.scan(session)

    assert _queued(session) == set()


def test_a_unit_whose_consent_was_withdrawn_hears_nothing_of_the_familys_actions(
    session: Session, world: World
) -> None:
    _everyone_wants_word(session, world)
    _due_in(session, world, 1, named=True)
    lead = actor_of(session, world.lead)
    consent = session.get(Consent, world.consent_b_id)
    assert consent is not None
    consent_service.withdraw_consent(session, lead, scope_for(session, lead, world.family), consent)
    session.commit()

    reminders.scan(session)

    assert _queued(session) == set()


def test_the_reminder_says_only_that_an_action_is_due_in_the_recipients_language(
    session: Session,
    world: World,
    mail: SmtpServer,
    deliver: Callable[[], delivery.Outcome],
) -> None:
    choose(
        session, world.consented, NotificationChannel.email, email="berit@bv.test", language="nb"
    )
    _due_in(session, world, 3, named=True)
    reminders.scan(session)
    session.commit()

    deliver()

    [message] = mail.messages()
    assert message["Subject"] == "Tiltaket ditt har frist om 3 dager"
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Et tiltak du har ansvar for, har frist innen 3 dager." in text
    for secret in case_strings(world):
        assert secret not in text, f"the message holds {secret!r}"
