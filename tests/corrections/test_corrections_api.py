"""Corrections through the API (issue 13; DESIGN §3, Corrections): a need, goal, action or
referral corrected keeps its earlier wording in its history; a stale version is 412 and bad
input 422, and either changes nothing; the history is the lead side's alone."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import NeedIndicator, Service
from tests.factories import World, build_world, make_service

API = "/api/v1"
Json = dict[str, Any]


def patch(
    client: TestClient,
    world: World,
    path: str,
    body: Any,
    version: int | str | None,
    persona: str = "lead",
) -> httpx2.Response:
    headers = dict(world.headers[persona])
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    return client.patch(f"{API}{path}", json=body, headers=headers)


def canvas(client: TestClient, world: World) -> Json:
    response = client.get(f"{API}/canvases/{world.canvas.id}", headers=world.headers["lead"])
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def item(client: TestClient, world: World, part: str, item_id: Any) -> Json:
    found: list[Json] = [i for i in canvas(client, world)[part] if i["id"] == str(item_id)]
    assert len(found) == 1, found
    return found[0]


def history(client: TestClient, world: World, path: str, persona: str = "lead") -> Any:
    return client.get(f"{API}{path}/corrections", headers=world.headers[persona])


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def test_a_need_is_corrected_and_keeps_its_earlier_words(
    client: TestClient, world: World, session: Session
) -> None:
    response = patch(
        client,
        world,
        f"/needs/{world.need.id}",
        {
            "text": "Vi trenger en bolig uten fukt.",
            "priority": 2,
            "indicators": ["bolig.fukt_mugg"],
            "reason": "Mor sa det annerledes.",
        },
        world.need.version,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["text"], body["priority"], body["indicators"]) == (
        "Vi trenger en bolig uten fukt.",
        2,
        ["bolig.fukt_mugg"],
    )
    assert response.headers["etag"] == f'"{body["version"]}"'
    assert body["version"] == world.need.version + 1
    codes = session.scalars(
        select(NeedIndicator.code).where(NeedIndicator.need_id == world.need.id)
    )
    assert list(codes) == ["bolig.fukt_mugg"]  # the reports' rows follow the correction
    [correction] = history(client, world, f"/needs/{world.need.id}").json()
    assert correction["by"]["name"] == "Kari Lead"
    assert correction["unit"]["name"] == "NAV Test"
    assert correction["reason"] == "Mor sa det annerledes."
    assert correction["entered_in_error"] is False
    assert {c["field"]: (c["before"], c["after"]) for c in correction["changes"]} == {
        "text": ("Vi trenger større bolig.", "Vi trenger en bolig uten fukt."),
        "priority": (1, 2),
        "indicators": (["bolig.trangbodd"], ["bolig.fukt_mugg"]),
    }


def test_a_need_moved_to_another_domain_leaves_the_old_domains_signs_behind(
    client: TestClient, world: World
) -> None:
    response = patch(client, world, f"/needs/{world.need.id}", {"domain": "okonomi"}, 1)

    assert response.status_code == 200, response.text
    assert (response.json()["domain"], response.json()["indicators"]) == ("okonomi", [])


def test_each_correction_is_one_entry_newest_first(client: TestClient, world: World) -> None:
    first = patch(client, world, f"/needs/{world.need.id}", {"text": "Større bolig."}, 1)
    second = patch(client, world, f"/needs/{world.need.id}", {"text": "Større leilighet."}, 2)
    assert (first.status_code, second.status_code) == (200, 200)

    entries = history(client, world, f"/needs/{world.need.id}").json()

    assert [e["changes"][0]["before"] for e in entries] == [
        "Større bolig.",
        "Vi trenger større bolig.",
    ]
    assert [e["record_version"] for e in entries] == [3, 2]


def test_a_goal_is_corrected_with_a_target_date(client: TestClient, world: World) -> None:
    response = patch(
        client,
        world,
        f"/goals/{world.goal.id}",
        {
            "text": "Søke om kommunal bolig.",
            "horizon": "long",
            "domains": ["bolig", "okonomi"],
            "target_date": "2027-06-30",
        },
        world.goal.version,
    )

    assert response.status_code == 200, response.text
    goal = item(client, world, "goals", world.goal.id)
    assert (goal["text"], goal["horizon"], goal["domains"], goal["target_date"]) == (
        "Søke om kommunal bolig.",
        "long",
        ["bolig", "okonomi"],
        "2027-06-30",
    )
    # Its progress is untouched by a correction of its words.
    assert (goal["lifecycle_status"], goal["achievement_status"]) == ("active", None)
    [correction] = history(client, world, f"/goals/{world.goal.id}").json()
    changes = {c["field"]: (c["before"], c["after"]) for c in correction["changes"]}
    assert changes["text"] == ("Søke ny bolig.", "Søke om kommunal bolig.")
    assert changes["target_date"] == (None, "2027-06-30")


def test_a_goal_is_made_with_a_target_date(client: TestClient, world: World) -> None:
    response = client.post(
        f"{API}/canvases/{world.canvas.id}/goals",
        headers=world.headers["lead"],
        json={"horizon": "short", "text": "Flytte før jul.", "target_date": "2026-12-20"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["target_date"] == "2026-12-20"


def test_an_action_is_corrected_and_its_history_keeps_who_and_when(
    client: TestClient, world: World
) -> None:
    response = patch(
        client,
        world,
        f"/actions/{world.action.id}",
        {
            "text": "Barnevernet tilbyr foreldreveiledning hjemme.",
            "due": "2027-01-15",
            "responsible": {"kind": "family", "member": "Far"},
            "need_ids": [],
        },
        world.action.version,
    )

    assert response.status_code == 200, response.text
    [correction] = history(client, world, f"/actions/{world.action.id}").json()
    changes = {c["field"]: (c["before"], c["after"]) for c in correction["changes"]}
    assert changes["text"][0] == "Barnevernet tilbyr foreldreveiledning."
    assert changes["due"][1] == "2027-01-15"
    assert changes["responsible"][0]["unit_id"] == str(world.unit_b.id)
    assert changes["responsible"][1] == {
        "kind": "family",
        "unit_id": None,
        "user_id": None,
        "member": "Far",
    }
    assert changes["need_ids"] == ([str(world.need.id)], [])
    assert "goal_ids" not in changes  # not sent, not changed


def test_a_status_change_alone_is_no_correction(client: TestClient, world: World) -> None:
    response = patch(
        client, world, f"/actions/{world.action.id}", {"status": "in_progress"}, 1, "consented"
    )

    assert response.status_code == 200, response.text
    assert history(client, world, f"/actions/{world.action.id}").json() == []


def test_a_referral_not_yet_sent_gets_the_right_service(
    client: TestClient, world: World, session: Session
) -> None:
    other = make_service(session, world.unit_c, domains=["bolig"])
    session.commit()
    referral = client.post(
        f"{API}/needs/{world.need.id}/referrals",
        headers=world.headers["lead"],
        json={"external_service_name": "Leksehjelp"},
    ).json()

    named = patch(
        client,
        world,
        f"/referrals/{referral['id']}",
        {"external_service_name": "Leksehjelp på biblioteket"},
        referral["version"],
    )
    moved = patch(client, world, f"/referrals/{referral['id']}", {"service_id": str(other.id)}, 2)

    assert named.status_code == 200, named.text
    assert moved.status_code == 200, moved.text
    assert (moved.json()["service_id"], moved.json()["external_service_name"]) == (
        str(other.id),
        None,
    )
    assert moved.json()["status"] == "proposed"
    entries = history(client, world, f"/referrals/{referral['id']}").json()
    assert [[(c["field"], c["before"]) for c in e["changes"]] for e in entries] == [
        [("service_id", None), ("external_service_name", "Leksehjelp på biblioteket")],
        [("external_service_name", "Leksehjelp")],
    ]


def test_a_referral_the_service_has_is_not_moved_to_another(
    client: TestClient, world: World, session: Session
) -> None:
    other = session.scalars(select(Service.id).where(Service.provider_unit_id == world.unit_b.id))
    response = patch(
        client,
        world,
        f"/referrals/{world.referral.id}",
        {"service_id": str(next(iter(other)))},
        world.referral.version,
    )

    # Sent: the service has it. Cancel it as entered in error and map the right one.
    assert response.status_code == 409, response.text
    assert item(client, world, "referrals", world.referral.id)["version"] == world.referral.version


def test_the_providing_unit_corrects_no_service(client: TestClient, world: World) -> None:
    response = patch(
        client,
        world,
        f"/referrals/{world.referral.id}",
        {"external_service_name": "Noe annet"},
        world.referral.version,
        "consented",
    )

    assert response.status_code == 403, response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("need", {"text": "Ny tekst."}, id="need"),
        pytest.param("goal", {"text": "Ny tekst."}, id="goal"),
        pytest.param("action", {"text": "Ny tekst."}, id="action"),
    ],
)
def test_a_stale_version_is_412_and_a_missing_one_428_and_nothing_changes(
    client: TestClient, world: World, path: str, body: Json
) -> None:
    record = getattr(world, path)
    url = f"/{path}s/{record.id}"

    stale = patch(client, world, url, body, record.version + 5)
    missing = patch(client, world, url, body, None)

    assert stale.status_code == 412, stale.text
    assert missing.status_code == 428, missing.text
    assert item(client, world, f"{path}s", record.id)["text"] != "Ny tekst."
    assert history(client, world, url).json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"text": ""}, "text", id="empty-text"),
        pytest.param({"domain": "rakett"}, "domain", id="unknown-domain"),
        pytest.param({"indicators": ["okonomi.gjeld"]}, "indicators[0]", id="sign-of-another"),
        pytest.param({"priority": 7}, "priority", id="priority-out-of-range"),
        pytest.param({"text": None}, "text", id="null-text"),
        pytest.param({"colour": "blå"}, "colour", id="unknown-field"),
        pytest.param({}, "body", id="nothing"),
        pytest.param({"reason": "Bare en grunn."}, "body", id="only-a-reason"),
        pytest.param(
            {"status": "entered_in_error", "text": "Og ny tekst."}, "status", id="error-and-text"
        ),
        pytest.param({"status": "active"}, "status", id="active-again"),
        pytest.param({"text": "x" * 10_001}, "text", id="too-long"),
    ],
)
def test_bad_input_is_422_and_changes_nothing(
    client: TestClient, world: World, body: Json, field: str
) -> None:
    response = patch(client, world, f"/needs/{world.need.id}", body, world.need.version)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(f == field or f.startswith(f"{field}.") for f in fields), fields
    need = item(client, world, "needs", world.need.id)
    assert (need["text"], need["version"]) == ("Vi trenger større bolig.", world.need.version)
    assert history(client, world, f"/needs/{world.need.id}").json() == []


@pytest.mark.parametrize("persona", ["consented", "other_unit", "withdrawn"])
def test_no_one_but_the_lead_side_reads_a_history_or_corrects_a_need(
    client: TestClient, world: World, persona: str
) -> None:
    lead = patch(client, world, f"/needs/{world.need.id}", {"text": "Rettet."}, 1)
    assert lead.status_code == 200, lead.text

    for path in (
        f"/needs/{world.need.id}",
        f"/goals/{world.goal.id}",
        f"/actions/{world.action.id}",
        f"/referrals/{world.referral.id}",
    ):
        # A consented unit has the family's plan, not its case: the history is not there.
        assert history(client, world, path, persona).status_code == 404, path
    refused = patch(client, world, f"/needs/{world.need.id}", {"text": "Noe."}, 2, persona)
    assert refused.status_code == 404, refused.text
    assert item(client, world, "needs", world.need.id)["text"] == "Rettet."


def test_the_unit_responsible_corrects_nothing_but_its_status(
    client: TestClient, world: World
) -> None:
    response = patch(
        client, world, f"/actions/{world.action.id}", {"text": "Noe annet."}, 1, "consented"
    )

    assert response.status_code == 403, response.text
    assert item(client, world, "actions", world.action.id)["text"] == (
        "Barnevernet tilbyr foreldreveiledning."
    )
