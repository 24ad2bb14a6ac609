"""What a municipality's operations run: the worker in the app's own processes
(``DUK_NOTIFY_WORKER``), or ``duk notify send`` and ``duk notify scan`` from a timer. Each on a
database of its own, as in production, against the real SMTP server."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app import cli, migrate
from app.config import Settings, get_settings
from app.db import make_engine, make_session_factory, session_scope
from app.main import create_app
from app.models import Notification
from app.models.enums import NotificationChannel, NotificationKind, NotificationStatus, Role
from app.notifications import service as notification_service
from tests.factories import make_unit, make_user
from tests.notifications.conftest import PUBLIC_URL, choose
from tests.smtp_server import SmtpServer

DEADLINE_S = 20.0


@pytest.fixture
def queued(fresh_settings: Settings) -> Iterator[sessionmaker[Session]]:
    """A database of its own with one message queued for a reviewer who wants e-mail."""
    engine = make_engine(fresh_settings.database_url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    for session in session_scope(factory):
        user = make_user(session, role=Role.reviewer, units=[make_unit(session)])
        choose(session, user, NotificationChannel.email, email="berit@bv.test", language="en")
        notification_service.enqueue(
            session, NotificationKind.review_requested, "plan-1", [user.id]
        )
    yield factory
    engine.dispose()


def _statuses(factory: sessionmaker[Session]) -> list[NotificationStatus]:
    with factory() as session:
        return list(session.scalars(select(Notification.status)))


def test_the_apps_own_worker_sends_what_is_queued(
    fresh_settings: Settings, queued: sessionmaker[Session], mail: SmtpServer
) -> None:
    settings = fresh_settings.model_copy(
        update={
            "notify_worker": True,
            "notify_interval_seconds": 1,
            "smtp_host": "127.0.0.1",
            "smtp_port": mail.port,
            "public_url": PUBLIC_URL,
        }
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/v1/health").status_code == 200
        deadline = time.monotonic() + DEADLINE_S
        while not mail.messages() and time.monotonic() < deadline:
            time.sleep(0.05)  # polling for the message, bounded; not waiting for a time

    assert [m["To"] for m in mail.messages()] == ["berit@bv.test"]
    assert _statuses(queued) == [NotificationStatus.sent]


def test_duk_notify_send_and_scan_for_a_timer(
    fresh_settings: Settings,
    queued: sessionmaker[Session],
    mail: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in {
        "DUK_DATABASE_URL": fresh_settings.database_url,
        "DUK_SECRET_KEY": fresh_settings.secret_key,
        "DUK_ENV": "test",
        "DUK_SMTP_HOST": "127.0.0.1",
        "DUK_SMTP_PORT": str(mail.port),
        "DUK_PUBLIC_URL": PUBLIC_URL,
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        scanned = cli.main(["notify", "scan"])
        scan_said = capsys.readouterr().out
        sent = cli.main(["notify", "send"])
        send_said = capsys.readouterr().out
        again = cli.main(["notify", "send"])
        again_said = capsys.readouterr().out
    finally:
        get_settings.cache_clear()

    assert (scanned, sent, again) == (0, 0, 0)
    assert scan_said == "Queued 0 reminders.\n"
    assert send_said == "Sent 1; 0 to be tried again; 0 failed.\n"
    assert again_said == "Sent 0; 0 to be tried again; 0 failed.\n"
    assert [m["To"] for m in mail.messages()] == ["berit@bv.test"]
