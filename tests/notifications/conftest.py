from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.kit.crypto import data_keys
from app.models import User
from app.models.enums import NotificationChannel
from app.notifications import delivery
from app.notifications import service as notification_service
from app.notifications.schemas import NotificationSettingsIn
from tests.factories import World, actor_of, build_world
from tests.smtp_server import SmtpServer, running_server

PUBLIC_URL = "https://duk.test"
NATIONAL_ID = "01017549819"
FAMILY_NAME = "Familien Solbakken-Ørnes"


@pytest.fixture(scope="session")
def smtp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServer]:
    with running_server(tmp_path_factory.mktemp("maildir") / "mail") as server:
        yield server


@pytest.fixture
def mail(smtp_server: SmtpServer) -> SmtpServer:
    """The running SMTP server, its mailbox emptied for this test."""
    smtp_server.clear()
    return smtp_server


def smtp_settings(settings: Settings, port: int) -> Settings:
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "public_url": PUBLIC_URL}
    )


@pytest.fixture
def deliver(
    session_factory: sessionmaker[Session], settings: Settings, mail: SmtpServer
) -> Callable[[], delivery.Outcome]:
    """The worker's round: send what is due, through the running SMTP server."""
    return lambda: delivery.send_due(session_factory, smtp_settings(settings, mail.port))


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    """The test world (tests/factories.py), its family with a national ID and a name no
    message may hold."""
    world = build_world(session, settings)
    world.family.display_name = FAMILY_NAME
    world.family.national_id_encrypted = data_keys(settings).encrypt(NATIONAL_ID)
    session.commit()
    return world


def choose(
    session: Session,
    user: User,
    channel: NotificationChannel,
    *,
    email: str | None = None,
    phone: str | None = None,
    language: str = "nb",
) -> None:
    """The user chooses how to get word, as on their settings page."""
    current = notification_service.setting_for(session, user.id).version
    notification_service.save_setting(
        session,
        actor_of(session, user),
        NotificationSettingsIn.model_validate(
            {"channel": channel, "email": email, "phone": phone, "language": language}
        ),
        current,
    )
    session.commit()


def case_strings(world: World) -> list[str]:
    """What the world's case holds that no message may: names, the national ID, free text."""
    return [
        FAMILY_NAME,
        NATIONAL_ID,
        world.lead.display_name,
        world.consented.display_name,
        "Mor",  # the family member who consented, and a participant
        world.need.text,
        world.goal.text,
        world.action.text,
        "At vi har det trygt hjemme.",
        "Vi bor trangt.",
        world.unit_a.name,
        world.unit_b.name,
    ]
