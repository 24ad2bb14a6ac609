"""A message to the plan lead from the family's pages (DESIGN §12, issue 15): a parent signed
in through ID-porten (a real provider process) writes it; it is kept as hers, audited, counted
in the plan lead's inbox without its words, and read and marked read on the lead's side. No
other unit finds it."""

from __future__ import annotations

import logging

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, FamilyMessage, Notification
from app.models.family_message import MESSAGE_MAX
from tests.factories import World
from tests.family.door import csrf_of
from tests.html import page
from tests.pages import SignedIn

WORDS = "Kan vi flytte møtet til torsdag? Sønnen vår er syk."


def _send(mother: TestClient, text: str) -> httpx2.Response:
    form = mother.get("/familie/melding")
    return mother.post(
        "/familie/melding",
        data={"csrftoken": csrf_of(form), "text": text},
        follow_redirects=False,
    )


def test_a_parent_sends_a_message_and_sees_it_among_the_familys_sent(
    mother: TestClient, session: Session, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    form = page(mother.get("/familie/melding")).form("/familie/melding")
    assert form.one("textarea")["maxlength"] == str(MESSAGE_MAX)

    sent = _send(mother, f"  {WORDS}\n")

    assert sent.status_code == 303
    assert sent.headers["location"] == "/familie/melding?done=sent"
    message = session.scalars(select(FamilyMessage)).one()
    assert (message.family_id, message.member_id, message.text) == (
        world.family.id,
        world.mother.id,
        WORDS,
    )
    assert message.read_at is None
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "family_message", AuditEvent.action == "create"
        )
    ).one()
    assert (event.member_id, event.record_id) == (world.mother.id, str(message.id))
    listed = page(mother.get("/familie/melding?done=sent"))
    assert listed.texts(".message-text") == [WORDS]
    assert listed.one("[role=status]").text
    # Personal data: not in a log line, not in a notification.
    assert "torsdag" not in caplog.text
    assert session.scalars(select(Notification)).all() == []


@pytest.mark.parametrize("text", ["", "   \n ", "x" * (MESSAGE_MAX + 1)])
def test_an_empty_or_too_long_message_is_refused_and_nothing_is_kept(
    mother: TestClient, session: Session, text: str
) -> None:
    refused = _send(mother, text)

    assert refused.status_code == 422
    shown = page(refused)
    assert shown.one("#message-text")["aria-invalid"] == "true"
    assert shown.one("#message-text-error").text
    assert session.scalars(select(FamilyMessage)).all() == []


def test_the_plan_lead_finds_it_in_the_inbox_reads_it_and_marks_it_read(
    mother: TestClient, client: TestClient, signed_in: SignedIn, session: Session, world: World
) -> None:
    _send(mother, WORDS)
    lead = signed_in(world.lead, language="en")
    before = client.get("/api/v1/inbox", headers=world.headers["lead"]).json()

    [item] = [i for i in before["items"] if i["kind"] == "family_message"]
    assert item["family_id"] == str(world.family.id)
    assert item["link"] == f"/families/{world.family.id}/messages"
    assert item["text"] == "1 ulest melding fra familien."
    assert item["new"] is True
    assert "torsdag" not in str(before)
    home = lead.get("/")
    assert "torsdag" not in home.text

    shown = page(lead.get(item["link"]))
    assert shown.texts(".message-text") == [WORDS]
    assert "Mor Test" in shown.one(".card-meta").text
    message = session.scalars(select(FamilyMessage)).one()
    read = lead.post_form(f"/families/{world.family.id}/messages/{message.id}/read")

    assert read.status_code == 303
    session.expire_all()
    assert session.get_one(FamilyMessage, message.id).read_at is not None
    after = client.get("/api/v1/inbox", headers=world.headers["lead"]).json()
    assert [i for i in after["items"] if i["kind"] == "family_message"] == []
    assert "Not read yet" not in page(mother.get("/familie/melding")).one("main").text


@pytest.mark.parametrize("persona", ["same_unit", "consented", "other_unit", "coordinator"])
def test_nobody_but_the_plan_lead_finds_the_familys_messages_in_the_inbox(
    mother: TestClient, client: TestClient, world: World, persona: str
) -> None:
    _send(mother, WORDS)

    inbox = client.get("/api/v1/inbox", headers=world.headers[persona]).json()

    assert [i for i in inbox["items"] if i["kind"] == "family_message"] == []
