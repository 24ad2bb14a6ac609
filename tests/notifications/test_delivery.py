"""Word outside the app, end to end against a real SMTP server process (DESIGN §12): what
causes a message queues it in the same transaction, the worker sends it in the recipient's
language with a plain sentence and a link and nothing of the case, a dead server delays no
request and loses no message, and no event notifies anyone twice."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import utcnow
from app.kit.i18n import translations
from app.models import Notification
from app.models.enums import NotificationChannel, NotificationKind, NotificationStatus
from app.notifications import delivery
from app.notifications import service as notification_service
from tests.cli.duk_process import free_port
from tests.factories import World, make_user
from tests.notifications.conftest import PUBLIC_URL, case_strings, choose, smtp_settings
from tests.smtp_server import SmtpServer, running_server, text_of

API = "/api/v1"


@pytest.fixture
def berit_wants_mail(session: Session, world: World) -> None:
    """Berit, of the consented unit asked to review the world's plan, wants word by e-mail."""
    choose(session, world.consented, NotificationChannel.email, email="berit@bv.test")


def _submit_again(client: TestClient, world: World) -> None:
    """The plan lead submits the plan anew (version 2), as the tablet does."""
    answer = client.post(f"{API}/canvases/{world.canvas.id}/plans", headers=world.headers["lead"])
    assert answer.status_code == 201, answer.text


def _outbox(session: Session) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).order_by(Notification.created_at)))


def test_a_submitted_plan_reaches_each_asked_units_user_who_wants_word_in_their_language(
    client: TestClient,
    session: Session,
    world: World,
    mail: SmtpServer,
    deliver: Callable[[], delivery.Outcome],
) -> None:
    choose(
        session, world.consented, NotificationChannel.email, email="berit@bv.test", language="nn"
    )
    quiet = make_user(session, units=[world.unit_b], display_name="Quiet Reviewer")
    choose(session, quiet, NotificationChannel.none, email="quiet@bv.test")
    # The plan lead and a unit that is not asked want word too, but no plan waits for them.
    choose(session, world.lead, NotificationChannel.email, email="kari@nav.test", language="en")
    choose(session, world.other_unit, NotificationChannel.email, email="other@skole.test")

    _submit_again(client, world)
    outcome = deliver()

    assert outcome == delivery.Outcome(sent=1)
    [message] = mail.messages()
    assert message["To"] == "berit@bv.test"
    nn = translations("nn").gettext
    assert message["Subject"] == nn("A plan waits for your review")
    assert message["Subject"] != "A plan waits for your review", "the nynorsk catalogue says it"
    body = text_of(message)
    assert nn("A plan waits for your unit's review in Duk.") in body
    assert f"{PUBLIC_URL}/review-queue" in body
    for secret in case_strings(world):
        assert secret not in body, f"the message holds {secret!r}"
    assert not re.search(r"\d{11}", body), "the message holds something like a national ID"
    assert [(n.status, n.attempts) for n in _outbox(session)] == [(NotificationStatus.sent, 1)]


def test_changes_asked_for_reach_the_plan_lead_without_the_comment(
    client: TestClient,
    session: Session,
    world: World,
    mail: SmtpServer,
    deliver: Callable[[], delivery.Outcome],
) -> None:
    choose(session, world.lead, NotificationChannel.email, email="kari@nav.test", language="en")
    comment = "Familien Solbakken trenger mer hjelp med Trym sin skolevei."

    answer = client.post(
        f"{API}/plans/{world.plan.id}/reviews",
        json={"decision": "changes_requested", "comment": comment},
        headers=world.headers["consented"],
    )
    assert answer.status_code in (200, 201), answer.text
    deliver()

    [message] = mail.messages()
    assert message["To"] == "kari@nav.test"
    assert message["Subject"] == "Changes were asked for"
    body = text_of(message)
    assert "A unit asked for changes to a plan you lead." in body
    assert "Trym" not in body
    assert "skolevei" not in body
    for secret in case_strings(world):
        assert secret not in body, f"the message holds {secret!r}"


@pytest.mark.usefixtures("berit_wants_mail")
def test_a_dead_mail_server_delays_no_request_and_loses_no_message(
    client: TestClient,
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    world: World,
    tmp_path: Path,
) -> None:
    port = free_port()  # nothing listens here yet
    dead = smtp_settings(settings, port)

    _submit_again(client, world)  # answers 201 as ever: the request sends nothing itself
    first = delivery.send_due(session_factory, dead)

    assert first == delivery.Outcome(retrying=1)
    [queued] = _outbox(session)
    assert queued.status is NotificationStatus.queued
    assert (queued.attempts, queued.last_error) == (1, "smtp_unreachable")
    assert queued.next_attempt_at > utcnow()

    with running_server(tmp_path / "mail", port) as back:
        # Back, but the retry's time has not come: nothing is sent early.
        assert delivery.send_due(session_factory, dead) == delivery.Outcome()
        later = queued.next_attempt_at + timedelta(seconds=1)
        sent = delivery.send_due(session_factory, dead, now=lambda: later)
        again = delivery.send_due(session_factory, dead, now=lambda: later + timedelta(hours=1))
        messages = back.messages()

    assert (sent, again) == (delivery.Outcome(sent=1), delivery.Outcome())
    assert [m["To"] for m in messages] == ["berit@bv.test"]
    [done] = _outbox(session)
    assert (done.status, done.attempts, done.last_error) == (NotificationStatus.sent, 2, None)


@pytest.mark.usefixtures("berit_wants_mail")
def test_the_same_event_never_notifies_anyone_twice(session: Session, world: World) -> None:
    first = notification_service.plan_submitted(session, world.plan.id, world.plan.reviews)
    second = notification_service.plan_submitted(session, world.plan.id, world.plan.reviews)

    assert (first, second) == (1, 0)
    assert [(n.kind, n.user_id) for n in _outbox(session)] == [
        (NotificationKind.review_requested, world.consented.id)
    ]


@pytest.mark.usefixtures("berit_wants_mail")
def test_a_user_who_chose_none_gets_nothing(
    client: TestClient,
    session: Session,
    world: World,
    mail: SmtpServer,
    deliver: Callable[[], delivery.Outcome],
) -> None:
    choose(session, world.consented, NotificationChannel.none, email="berit@bv.test")

    _submit_again(client, world)
    deliver()

    assert _outbox(session) == []
    assert mail.messages() == []


@pytest.mark.usefixtures("berit_wants_mail")
def test_a_message_queued_before_the_user_turned_word_off_is_not_sent(
    client: TestClient,
    session: Session,
    world: World,
    mail: SmtpServer,
    deliver: Callable[[], delivery.Outcome],
) -> None:
    _submit_again(client, world)
    choose(session, world.consented, NotificationChannel.none, email="berit@bv.test")

    outcome = deliver()

    assert outcome == delivery.Outcome(failed=1)
    assert mail.messages() == []
    assert [(n.status, n.last_error) for n in _outbox(session)] == [
        (NotificationStatus.failed, "no_address")
    ]


def test_sms_goes_through_the_provider_and_its_log_holds_no_number_and_no_text(
    client: TestClient,
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    choose(session, world.consented, NotificationChannel.sms, phone="+4791234567")
    _submit_again(client, world)

    with caplog.at_level(logging.INFO, logger="duk.notifications"):
        outcome = delivery.send_due(session_factory, settings)

    assert outcome == delivery.Outcome(sent=1)
    logged = caplog.text
    assert "kind=review_requested" in logged
    assert str(world.consented.id) in logged
    assert "91234567" not in logged
    assert "A plan waits" not in logged
