"""Bad input of every kind gets a 4xx problem document and changes nothing (DESIGN §8, §9).

Each bad request goes next to a valid change where the body allows it, so a partial write would
show: the record read back afterwards, `version` included, must be exactly what it was before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.families import service as family_service
from app.models import Canvas
from tests.factories import World, build_world

PROBLEM_JSON = "application/problem+json"
VALID_CHANGE = {"centre": {"what_matters": "At barna får gå på fotball."}}


def assert_problem(response: httpx2.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    for member in ("type", "title", "detail"):
        assert isinstance(problem[member], str), problem
        assert problem[member], problem
    return problem


def assert_names(problem: dict[str, Any], field: str) -> None:
    """The 422's `errors` name the field (or an item inside it, like `indicators[0]`)."""
    fields = [error["field"] for error in problem["errors"]]
    assert any(name == field or name.startswith((f"{field}.", f"{field}[")) for name in fields), (
        f"{field} is not named in {fields}"
    )


def canvas_url(world: World) -> str:
    return f"/api/v1/canvases/{world.canvas.id}"


def family_url(world: World) -> str:
    return f"/api/v1/families/{world.family.id}"


def read(client: TestClient, world: World, url: str) -> httpx2.Response:
    response = client.get(url, headers=world.headers["lead"])
    assert response.status_code == 200, response.text
    return response


def editing(world: World, response: httpx2.Response) -> dict[str, str]:
    return {**world.headers["lead"], "If-Match": response.headers["etag"]}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param(
            {"domains": {"bolig": {"family_score": "high"}}},
            "domains.bolig.family_score",
            id="score-of-the-wrong-type",
        ),
        pytest.param(
            {"domains": {"bolig": {"family_score": 0}}},
            "domains.bolig.family_score",
            id="score-below-1",
        ),
        pytest.param(
            {"domains": {"bolig": {"worker_score": 11}}},
            "domains.bolig.worker_score",
            id="score-above-10",
        ),
        pytest.param({"version": 99}, "version", id="version-is-not-writable"),
        pytest.param(
            {"domains": {"bolig": {"situation": "x" * 10_001}}},
            "domains.bolig.situation",
            id="situation-over-10000-characters",
        ),
        pytest.param(
            {"domains": {"hage": {"situation": "Vi har ingen hage."}}},
            "domains.hage",
            id="unknown-domain",
        ),
        pytest.param(
            {"domains": {"bolig": {"indicators": ["okonomi.gjeld"]}}},
            "domains.bolig.indicators",
            id="indicator-of-another-domain",
        ),
        pytest.param(
            {"domains": {"bolig": {"strengths": "Vi holder\x00 sammen."}}},
            "domains.bolig.strengths",
            id="text-with-a-nul-character",
        ),
    ],
)
def test_invalid_canvas_edit_is_422_naming_the_field_and_writes_nothing(
    client: TestClient, session: Session, settings: Settings, bad: dict[str, Any], field: str
) -> None:
    world = build_world(session, settings)
    before = read(client, world, canvas_url(world))

    response = client.patch(
        canvas_url(world), json={**VALID_CHANGE, **bad}, headers=editing(world, before)
    )

    assert_names(assert_problem(response, 422), field)
    after = read(client, world, canvas_url(world))
    assert after.json() == before.json()
    assert after.headers["etag"] == before.headers["etag"]


def test_situation_of_exactly_10000_characters_is_saved(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    before = read(client, world, canvas_url(world))
    situation = "æ" * 10_000

    response = client.patch(
        canvas_url(world),
        json={"domains": {"bolig": {"situation": situation}}},
        headers=editing(world, before),
    )

    assert response.status_code == 200, response.text
    after = read(client, world, canvas_url(world)).json()
    assert after["domains"]["bolig"]["situation"] == situation
    assert after["version"] == before.json()["version"] + 1


def test_family_edit_cannot_assign_the_plan_lead(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    before = read(client, world, family_url(world))

    response = client.patch(
        family_url(world),
        json={"display_name": "Familien Overtatt", "plan_lead_id": str(world.other_unit.id)},
        headers=editing(world, before),
    )

    assert_names(assert_problem(response, 422), "plan_lead_id")
    after = read(client, world, family_url(world))
    assert after.json() == before.json()
    assert after.json()["plan_lead"]["id"] == str(world.lead.id)


def test_canvas_from_an_unknown_template_is_422_and_nothing_is_made(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    count = select(func.count()).select_from(Canvas).where(Canvas.family_id == world.family.id)
    canvases_before = session.scalar(count)

    response = client.post(
        f"{family_url(world)}/canvases",
        json={"template_key": "finnes-ikke"},
        headers=world.headers["lead"],
    )

    assert_names(assert_problem(response, 422), "template_key")
    assert session.scalar(count) == canvases_before


def test_malformed_id_in_the_path_is_a_problem_naming_the_id(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    response = client.get("/api/v1/families/not-a-uuid", headers=world.headers["lead"])

    assert_names(assert_problem(response, 422), "path.family_id")


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        pytest.param("text/plain", b"centre: Vi vil bo trygt", id="plain-text"),
        pytest.param(
            "application/x-www-form-urlencoded",
            b"centre.what_matters=Vi+vil+bo+trygt",
            id="form-encoded",
        ),
    ],
)
def test_body_that_is_not_json_is_415_and_writes_nothing(
    client: TestClient, session: Session, settings: Settings, content_type: str, content: bytes
) -> None:
    world = build_world(session, settings)
    before = read(client, world, canvas_url(world))

    response = client.patch(
        canvas_url(world),
        content=content,
        headers={**editing(world, before), "Content-Type": content_type},
    )

    assert_problem(response, 415)
    assert read(client, world, canvas_url(world)).json() == before.json()


def test_new_family_sent_as_a_form_is_415_and_makes_no_family(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    families = client.get("/api/v1/families", headers=world.headers["lead"])

    response = client.post(
        "/api/v1/families",
        data={"display_name": "Familien Skjema", "municipality_code": "3107"},
        headers=world.headers["lead"],
    )

    assert_problem(response, 415)
    assert client.get("/api/v1/families", headers=world.headers["lead"]).json() == families.json()


def _invalid_json(world: World, shown: httpx2.Response) -> dict[str, Any]:
    return {
        "content": b'{"centre": {"what_matters": "Vi vil bo trygt"',
        "headers": {**editing(world, shown), "Content-Type": "application/json"},
    }


def _over_one_megabyte(world: World, shown: httpx2.Response) -> dict[str, Any]:
    return {
        "content": b'{"centre": {"what_matters": "' + b"x" * (1024 * 1024) + b'"}}',
        "headers": {**editing(world, shown), "Content-Type": "application/json"},
    }


def _without_if_match(world: World, shown: httpx2.Response) -> dict[str, Any]:
    return {"json": VALID_CHANGE, "headers": world.headers["lead"]}


def _with_a_malformed_if_match(world: World, shown: httpx2.Response) -> dict[str, Any]:
    return {
        "json": VALID_CHANGE,
        "headers": {**world.headers["lead"], "If-Match": "the latest one"},
    }


@pytest.mark.parametrize(
    ("request_of", "status", "named"),
    [
        pytest.param(_invalid_json, 422, "body", id="invalid-json-422"),
        pytest.param(_over_one_megabyte, 413, None, id="body-over-one-megabyte-413"),
        pytest.param(_without_if_match, 428, None, id="edit-without-if-match-428"),
        pytest.param(_with_a_malformed_if_match, 400, None, id="malformed-if-match-400"),
    ],
)
def test_an_edit_the_api_cannot_take_is_a_problem_and_writes_nothing(
    client: TestClient,
    session: Session,
    settings: Settings,
    request_of: Callable[[World, httpx2.Response], dict[str, Any]],
    status: int,
    named: str | None,
) -> None:
    world = build_world(session, settings)
    before = read(client, world, canvas_url(world))

    response = client.patch(canvas_url(world), **request_of(world, before))

    problem = assert_problem(response, status)
    if named is not None:
        assert_names(problem, named)
    assert read(client, world, canvas_url(world)).json() == before.json()


def test_edit_with_a_stale_if_match_is_412_and_keeps_the_newer_text(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    first_read = read(client, world, canvas_url(world))
    saved = client.patch(
        canvas_url(world),
        json={"centre": {"what_matters": "Den første teksten."}},
        headers=editing(world, first_read),
    )
    assert saved.status_code == 200, saved.text

    response = client.patch(
        canvas_url(world),
        json={"centre": {"what_matters": "Den andre teksten, skrevet over en gammel versjon."}},
        headers=editing(world, first_read),
    )

    assert_problem(response, 412)
    after = read(client, world, canvas_url(world))
    assert after.json()["centre"]["what_matters"] == "Den første teksten."
    assert after.json() == saved.json()


def test_server_error_is_a_generic_problem_without_the_message_anywhere(
    client: TestClient,
    session: Session,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = build_world(session, settings)
    secret = "Familien Hansen secret"

    def broken_read(*args: object, **kwargs: object) -> None:
        raise RuntimeError(secret)

    monkeypatch.setattr(family_service, "read_family", broken_read)
    caplog.set_level(logging.DEBUG)

    response = client.get(family_url(world), headers=world.headers["lead"])

    problem = assert_problem(response, 500)
    assert problem["request_id"] == response.headers["x-request-id"]
    assert "Hansen" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert "Hansen" not in caplog.text
    # The log keeps what support needs to find the failure: the request id.
    assert problem["request_id"] in caplog.text


@pytest.mark.parametrize("record", ["family", "canvas"])
def test_person_level_response_carries_security_headers_and_no_store(
    client: TestClient, session: Session, settings: Settings, record: str
) -> None:
    world = build_world(session, settings)
    url = family_url(world) if record == "family" else canvas_url(world)

    response = read(client, world, url)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "no-store" in response.headers["cache-control"]
