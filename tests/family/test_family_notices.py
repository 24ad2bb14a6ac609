"""A family member chooses how they hear from Duk (DESIGN §12, issue 15), on their own page:
e-mail or SMS to what the plan lead recorded, or no notices; a channel with nowhere to send
is refused and nothing changes; the choice is audited as the member's, and the page is in the
member's own language."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.kit.i18n import translations
from app.models import AuditEvent, FamilyMember
from app.models.enums import Language, NotificationChannel
from tests.factories import World
from tests.family.door import csrf_of
from tests.html import page

EMAIL = "mor@familie.test"


def _recorded(session: Session, world: World, **changes: object) -> None:
    mother = session.get_one(FamilyMember, world.mother.id)
    mother.email = EMAIL
    for name, value in changes.items():
        setattr(mother, name, value)
    session.commit()


def test_a_parent_chooses_e_mail_and_a_channel_with_nowhere_to_send_is_refused(
    mother: TestClient, session: Session, world: World
) -> None:
    _recorded(session, world)
    shown = mother.get("/familie/varsler")
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    choices = page(shown).all("input[name=notify_channel]")
    assert [c["value"] for c in choices] == ["email", "none"]  # no mobile number recorded
    assert EMAIL in shown.text

    refused = mother.post(
        "/familie/varsler", data={"csrftoken": csrf_of(shown), "notify_channel": "sms"}
    )
    assert refused.status_code == 422
    assert page(refused).one("#notify_channel-error").text == translations("nb").gettext(
        "No mobile number is recorded for you. Ask your contact person to add it."
    )
    session.expire_all()
    assert session.get_one(FamilyMember, world.mother.id).notify_channel is NotificationChannel.none

    chosen = mother.post(
        "/familie/varsler",
        data={"csrftoken": csrf_of(shown), "notify_channel": "email"},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/familie/varsler?done=saved"
    assert EMAIL not in chosen.headers["location"]
    session.expire_all()
    assert (
        session.get_one(FamilyMember, world.mother.id).notify_channel is NotificationChannel.email
    )
    [event] = session.scalars(
        select(AuditEvent).where(
            AuditEvent.purpose == "notify_choice", AuditEvent.action == "update"
        )
    ).all()
    assert (event.record_id, event.family_id) == (str(world.mother.id), world.family.id)


def test_the_notices_page_is_in_the_members_language(
    mother: TestClient, session: Session, world: World
) -> None:
    _recorded(session, world, language=Language.ar, phone="+4791234567")

    shown = mother.get("/familie/varsler")

    html = page(shown).one("html")
    assert (html["lang"], html["dir"]) == ("ar", "rtl")
    ar = translations("ar").gettext
    assert page(shown).one("h1").text == ar("Notices")
    assert ar("Notices") != "Notices"
    assert [c["value"] for c in page(shown).all("input[name=notify_channel]")] == [
        "email",
        "sms",
        "none",
    ]
