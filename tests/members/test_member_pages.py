"""The family's members on the plan lead's pages: added, changed and removed from the family
page, the national ID number typed in and never shown again. English source texts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import FamilyMember
from tests.factories import World, build_world
from tests.html import page
from tests.members.numbers import fodselsnummer
from tests.pages import SignedIn

FAR = fodselsnummer(date(1982, 11, 23))


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    world = build_world(session, settings)
    session.commit()
    return world


def father(**changes: str) -> dict[str, str]:
    return {
        "name": "Yusuf Hassan",
        "relation": "parent",
        "birth_year": "1982",
        "language": "nb",
        "parental_responsibility": "yes",
        "national_id": FAR,
        **changes,
    }


def test_the_plan_lead_adds_changes_and_removes_a_member(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    family_url = f"/families/{world.family.id}"
    new = page(browser.get(family_url)).one("#members a.button")
    assert new.text == "Add a family member"

    added = browser.submit(new["href"], f"{family_url}/members", father())

    assert added.status_code == 303
    assert added.headers["location"] == f"{family_url}?done=member_added#members"
    shown = browser.get(f"{family_url}?done=member_added")
    members = page(shown).one("#members")
    assert "Yusuf Hassan" in members.text
    assert "Parent · born 1982" in members.text
    assert "can sign in with ID-porten" in members.text
    assert FAR not in shown.text
    member = session.scalars(select(FamilyMember).where(FamilyMember.name == "Yusuf Hassan")).one()

    edit_url = f"/members/{member.id}/edit"
    assert edit_url in [a["href"] for a in members.all("a.card-extra")]
    edit = browser.get(edit_url)
    assert FAR not in edit.text
    assert page(edit).one("#national_id")["value"] == ""
    changed = browser.submit(
        edit_url,
        f"/members/{member.id}",
        {**father(name="Yusuf H."), "national_id": "", "forget_national_id": "yes"},
    )
    assert changed.status_code == 303
    session.expire_all()
    member = session.get_one(FamilyMember, member.id)
    assert (member.name, member.national_id_key, member.version) == ("Yusuf H.", None, 2)

    unconfirmed = browser.submit(edit_url, f"/members/{member.id}/remove", {})
    assert unconfirmed.status_code == 422
    assert page(unconfirmed).form(f"/members/{member.id}/remove").field_error("confirm")
    removed = browser.submit(edit_url, f"/members/{member.id}/remove", {"confirm": "yes"})
    assert removed.status_code == 303
    session.expire_all()
    assert session.scalars(select(FamilyMember.name)).all() == ["Mor Test"]


def test_a_refused_form_says_why_beside_the_field_and_keeps_no_number(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    on = f"/families/{world.family.id}/members/new"
    bad = FAR[:10] + str((int(FAR[10]) + 1) % 10)

    refused = browser.submit(on, f"/families/{world.family.id}/members", father(national_id=bad))

    assert refused.status_code == 422
    form = page(refused).form(f"/families/{world.family.id}/members")
    assert form.field_error("national_id") == (
        "Write the 11 digits of a valid national ID number or D-number, or leave it empty."
    )
    assert bad not in refused.text
    assert form.one("#name")["value"] == "Yusuf Hassan"
    assert session.scalars(select(FamilyMember.name)).all() == ["Mor Test"]


def test_a_stale_form_is_refused_and_loses_nothing(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    browser.submit(
        f"/families/{world.family.id}/members/new", f"/families/{world.family.id}/members", father()
    )
    member = session.scalars(select(FamilyMember).where(FamilyMember.name == "Yusuf Hassan")).one()

    stale = browser.post_form(
        f"/members/{member.id}", {**father(name="Other"), "national_id": "", "version": "0"}
    )

    assert stale.status_code == 422
    assert "Someone else changed this person" in stale.text
    assert page(stale).one("#name")["value"] == "Other"
    session.expire_all()
    assert session.get_one(FamilyMember, member.id).name == "Yusuf Hassan"


@pytest.mark.parametrize("who", ["other_unit", "consented"])
def test_others_find_no_member_pages(
    signed_in: SignedIn, session: Session, world: World, who: str
) -> None:
    lead = signed_in(world.lead, language="en")
    lead.submit(
        f"/families/{world.family.id}/members/new", f"/families/{world.family.id}/members", father()
    )
    member = session.scalars(select(FamilyMember).where(FamilyMember.name == "Yusuf Hassan")).one()
    browser = signed_in(getattr(world, who), language="en")

    assert browser.get(f"/families/{world.family.id}/members/new").status_code == 404
    assert browser.get(f"/members/{member.id}/edit").status_code == 404
    assert browser.post_form(f"/members/{member.id}/remove", {"confirm": "yes"}).status_code == 404
    assert "Yusuf" not in browser.get(f"/families/{world.family.id}").text
