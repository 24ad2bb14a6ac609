"""Word to the family (DESIGN §12, issue 15), end to end against the real SMTP server process:
"a plan waits for your approval" when a plan version is put to the family, and "your next
meeting" from the daily scan a few days before, once per meeting; only to members who may sign
in (16 or older, with the national ID number ID-porten finds them by) and chose a channel, in
the member's own language, with a plain sentence and a link to sign in, and nothing of the
case: no name, no national ID number, no free text, no address."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.inbox import reminders
from app.kit import crypto
from app.kit.i18n import local_today, translations
from app.models import Canvas, FamilyMember, Notification
from app.models.enums import (
    FamilyStatus,
    Language,
    MemberRelation,
    NotificationChannel,
    NotificationKind,
)
from app.notifications import delivery
from tests.factories import World
from tests.members.numbers import fodselsnummer
from tests.notifications.conftest import PUBLIC_URL, case_strings
from tests.smtp_server import SmtpServer, text_of

API = "/api/v1"
MOR_EMAIL = "hooyo@familie.test"


def _member(
    session: Session,
    settings: Settings,
    world: World,
    name: str,
    born: date,
    relation: MemberRelation,
    channel: NotificationChannel,
    *,
    with_number: bool = True,
) -> FamilyMember:
    keys = crypto.data_keys(settings)
    number = fodselsnummer(born)
    member = FamilyMember(
        family_id=world.family.id,
        name=name,
        relation=relation,
        birth_year=born.year,
        language=Language.uk,
        email=f"{name.split()[0].lower()}@familie.test",
        phone="+4790000001",
        notify_channel=channel,
        national_id_encrypted=keys.encrypt(number) if with_number else None,
        national_id_key=keys.lookup_hash(number) if with_number else None,
    )
    session.add(member)
    return member


@pytest.fixture
def family_wants_word(session: Session, settings: Settings, world: World) -> World:
    """Mor chose e-mail, in Somali; a son of 17 chose SMS; a daughter of 12 and an aunt with
    no national ID number (she cannot sign in) chose e-mail, and get nothing."""
    mother = session.get_one(FamilyMember, world.mother.id)
    mother.email = MOR_EMAIL
    mother.notify_channel = NotificationChannel.email
    mother.language = Language.so
    year = local_today().year
    _member(
        session,
        settings,
        world,
        "Yusuf Test",
        date(year - 17, 1, 5),
        MemberRelation.child,
        NotificationChannel.sms,
    )
    _member(
        session,
        settings,
        world,
        "Hodan Test",
        date(year - 12, 3, 1),
        MemberRelation.child,
        NotificationChannel.email,
    )
    _member(
        session,
        settings,
        world,
        "Sahra Test",
        date(1979, 2, 2),
        MemberRelation.other_adult,
        NotificationChannel.email,
        with_number=False,
    )
    session.commit()
    return world


def _family_outbox(session: Session) -> list[tuple[NotificationKind, str, str, str]]:
    session.expire_all()
    rows = session.execute(
        select(Notification.kind, FamilyMember.name, Notification.channel, Notification.language)
        .join(FamilyMember, FamilyMember.id == Notification.member_id)
        .order_by(FamilyMember.name)
    ).all()
    return [(kind, name, channel.value, lang) for kind, name, channel, lang in rows]


def _holds_nothing_of_the_case(body: str, world: World) -> None:
    for secret in [*case_strings(world), "Mor Test", "Yusuf", MOR_EMAIL, "90000001"]:
        assert secret not in body, f"the message holds {secret!r}"
    assert not re.search(r"\d{11}", body), "the message holds something like a national ID"


def test_a_plan_put_to_the_family_reaches_the_members_who_may_sign_in_in_their_language(
    client: TestClient,
    session: Session,
    family_wants_word: World,
    mail: SmtpServer,
    deliver: Callable[[], delivery.Outcome],
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = family_wants_word
    submitted = client.post(
        f"{API}/canvases/{world.canvas.id}/plans", headers=world.headers["lead"]
    )
    assert submitted.status_code == 201, submitted.text

    assert _family_outbox(session) == [
        (NotificationKind.family_approval_requested, "Mor Test", "email", "so"),
        (NotificationKind.family_approval_requested, "Yusuf Test", "sms", "uk"),
    ]
    with caplog.at_level(logging.INFO, logger="duk.notifications"):
        assert deliver() == delivery.Outcome(sent=2)

    [message] = mail.messages()
    assert message["To"] == MOR_EMAIL
    assert message["Content-Language"] == "so"
    so = translations("so").gettext
    assert message["Subject"] == so("A plan waits for your approval")
    assert message["Subject"] != "A plan waits for your approval", "the Somali catalogue says it"
    body = text_of(message)
    assert so("Your plan waits for your approval.") in body
    assert f"{PUBLIC_URL}/familie/" in body
    assert f"{PUBLIC_URL}/familie/varsler" in body
    assert "/account/notifications" not in body
    _holds_nothing_of_the_case(body, world)
    # The SMS went through the provider, whose log names the member by opaque id only.
    assert "kind=family_approval_requested" in caplog.text
    assert "90000001" not in caplog.text


def test_an_arabic_message_is_written_right_to_left(
    client: TestClient,
    session: Session,
    world: World,
    mail: SmtpServer,
    deliver: Callable[[], delivery.Outcome],
) -> None:
    mother = session.get_one(FamilyMember, world.mother.id)
    mother.email, mother.notify_channel = MOR_EMAIL, NotificationChannel.email
    mother.language = Language.ar
    session.commit()

    client.post(f"{API}/canvases/{world.canvas.id}/plans", headers=world.headers["lead"])
    deliver()

    [message] = mail.messages()
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert '<html lang="ar" dir="rtl">' in html.get_content()
    assert message["Subject"] == translations("ar").gettext("A plan waits for your approval")
    _holds_nothing_of_the_case(text_of(message), world)


def _next_meeting_in(session: Session, world: World, days: int) -> date:
    when = local_today() + timedelta(days=days)
    canvas = session.get_one(Canvas, world.canvas.id)
    canvas.next_review_date = when
    session.commit()
    return when


def test_the_next_meeting_is_told_once_a_few_days_before_and_again_when_it_moves(
    session: Session,
    family_wants_word: World,
    mail: SmtpServer,
    deliver: Callable[[], delivery.Outcome],
) -> None:
    world = family_wants_word
    _next_meeting_in(session, world, 10)
    assert reminders.scan(session) == 0  # too early

    _next_meeting_in(session, world, 3)
    first, again = reminders.scan(session), reminders.scan(session)
    session.commit()

    assert (first, again) == (2, 0)
    assert _family_outbox(session) == [
        (NotificationKind.family_next_meeting, "Mor Test", "email", "so"),
        (NotificationKind.family_next_meeting, "Yusuf Test", "sms", "uk"),
    ]
    assert deliver() == delivery.Outcome(sent=2)
    [message] = mail.messages()
    so = translations("so").gettext
    assert (message["To"], message["Subject"]) == (MOR_EMAIL, so("Your next meeting"))
    body = text_of(message)
    assert so("You have a meeting about your plan coming up.") in body
    _holds_nothing_of_the_case(body, world)

    _next_meeting_in(session, world, 2)  # moved: a new meeting to be told of
    assert reminders.scan(session) == 2


def test_no_next_meeting_word_for_a_closed_family_or_a_past_date(
    session: Session, family_wants_word: World
) -> None:
    world = family_wants_word
    _next_meeting_in(session, world, -1)
    assert reminders.scan(session) == 0

    _next_meeting_in(session, world, 1)
    world.family.status = FamilyStatus.closed
    session.commit()
    assert reminders.scan(session) == 0
    assert _family_outbox(session) == []


def test_a_member_who_turned_notices_off_gets_what_was_queued_never(
    client: TestClient,
    session: Session,
    session_factory: sessionmaker[Session],
    family_wants_word: World,
    mail: SmtpServer,
    deliver: Callable[[], delivery.Outcome],
) -> None:
    world = family_wants_word
    client.post(f"{API}/canvases/{world.canvas.id}/plans", headers=world.headers["lead"])
    for member in session.scalars(select(FamilyMember)):
        member.notify_channel = NotificationChannel.none
    session.commit()

    assert deliver() == delivery.Outcome(failed=2)
    assert mail.messages() == []
