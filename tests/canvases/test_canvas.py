"""The canvas conversation (DESIGN §3 Canvas, §8 /canvases: merge-PATCH with If-Match)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from tests.factories import auth_headers, make_family, make_unit, make_user


@dataclass
class Draft:
    url: str
    headers: dict[str, str]
    body: dict[str, Any]


@pytest.fixture
def draft(client: TestClient, session: Session, settings: Settings) -> Draft:
    """A new canvas on the default template, made through the API by the plan lead."""
    lead = make_user(session, units=[make_unit(session)])
    family = make_family(session, lead, settings)
    headers = auth_headers(session, lead, settings)
    session.commit()
    response = client.post(
        f"/api/v1/families/{family.id}/canvases", json={"template_key": "familie"}, headers=headers
    )
    assert response.status_code == 201, response.text
    return Draft(f"/api/v1/canvases/{response.json()['id']}", headers, response.json())


def patch(
    client: TestClient, draft: Draft, body: dict[str, Any], if_match: str | None
) -> httpx2.Response:
    headers = dict(draft.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.patch(draft.url, json=body, headers=headers)


def test_new_canvas_has_every_domain_of_its_template(
    client: TestClient, session: Session, settings: Settings
) -> None:
    lead = make_user(session, units=[make_unit(session)])
    family = make_family(session, lead, settings)
    headers = auth_headers(session, lead, settings)
    session.commit()
    templates = client.get("/api/v1/canvas-templates", headers=headers).json()
    [familie] = [t for t in templates if t["key"] == "familie"]

    response = client.post(
        f"/api/v1/families/{family.id}/canvases", json={"template_key": "familie"}, headers=headers
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert list(body["domains"]) == [d["key"] for d in familie["domains"]]
    assert len(body["domains"]) == 8
    assert body["domains"]["bolig"] == {
        "situation": "",
        "family_score": None,
        "worker_score": None,
        "indicators": [],
        "strengths": "",
    }
    assert (body["family_id"], body["template_key"]) == (str(family.id), "familie")
    assert body["template_version"] == familie["version"]
    assert (body["status"], body["version"]) == ("draft", 1)
    assert response.headers["etag"] == '"1"'
    assert client.get(f"/api/v1/canvases/{body['id']}", headers=headers).headers["etag"] == '"1"'


def test_canvas_for_an_unknown_template_is_refused(
    client: TestClient, session: Session, settings: Settings
) -> None:
    lead = make_user(session, units=[make_unit(session)])
    family = make_family(session, lead, settings)
    headers = auth_headers(session, lead, settings)
    session.commit()

    response = client.post(
        f"/api/v1/families/{family.id}/canvases", json={"template_key": "no-such"}, headers=headers
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["template_key"]


def test_patch_merges_a_domains_fields_one_by_one(client: TestClient, draft: Draft) -> None:
    first = patch(
        client,
        draft,
        {"domains": {"bolig": {"situation": "Vi bor trangt.", "family_score": 3}}},
        '"1"',
    )
    assert first.status_code == 200, first.text

    second = patch(
        client,
        draft,
        {"domains": {"bolig": {"situation": "Vi bor trangt, tre på ett rom."}}},
        '"2"',
    )

    assert second.status_code == 200, second.text
    bolig = second.json()["domains"]["bolig"]
    assert bolig["situation"] == "Vi bor trangt, tre på ett rom."
    assert bolig["family_score"] == 3
    assert second.json()["domains"]["okonomi"]["situation"] == ""
    assert client.get(draft.url, headers=draft.headers).json()["domains"]["bolig"] == bolig


def test_patch_leaves_fields_it_does_not_name(client: TestClient, draft: Draft) -> None:
    patch(client, draft, {"centre": {"what_matters": "At barna har det bra."}}, '"1"')

    response = patch(client, draft, {"domains": {"helse": {"worker_score": 6}}}, '"2"')

    assert response.status_code == 200, response.text
    assert response.json()["centre"] == {"what_matters": "At barna har det bra."}
    assert response.json()["domains"]["helse"]["worker_score"] == 6


def test_participants_are_replaced_whole(client: TestClient, draft: Draft) -> None:
    patch(
        client,
        draft,
        {
            "participants": [
                {"name": "Mor", "role": "family_member"},
                {"name": "Far", "role": "family_member"},
            ]
        },
        '"1"',
    )

    response = patch(
        client, draft, {"participants": [{"name": "Mor", "role": "family_member"}]}, '"2"'
    )

    assert response.status_code == 200, response.text
    assert [p["name"] for p in response.json()["participants"]] == ["Mor"]


def test_an_interpreter_is_listed_with_the_language_interpreted(
    client: TestClient, draft: Draft
) -> None:
    people = [
        {"name": "Mor", "role": "family_member"},
        {"name": "Yusuf Karim", "role": "interpreter", "language": "arabisk"},
    ]

    response = patch(client, draft, {"participants": people}, '"1"')

    assert response.status_code == 200, response.text
    # Only the interpreter has a language: the others read as they did before there was one.
    assert response.json()["participants"] == [
        {"name": "Mor", "role": "family_member", "unit_id": None},
        {"name": "Yusuf Karim", "role": "interpreter", "unit_id": None, "language": "arabisk"},
    ]


def test_an_interpreter_without_a_language_is_still_taken_from_an_api_client(
    client: TestClient, draft: Draft
) -> None:
    # The canvas PATCH is a stable contract (DESIGN §8): a client written before interpreters
    # had a language goes on working. The page's form asks for it (tests/canvases/
    # test_pages_participants.py).
    response = patch(
        client, draft, {"participants": [{"name": "Tolk", "role": "interpreter"}]}, '"1"'
    )

    assert response.status_code == 200, response.text
    assert response.json()["participants"] == [
        {"name": "Tolk", "role": "interpreter", "unit_id": None}
    ]


def test_a_language_is_an_interpreters_only(client: TestClient, draft: Draft) -> None:
    response = patch(
        client,
        draft,
        {"participants": [{"name": "Mor", "role": "family_member", "language": "arabisk"}]},
        '"1"',
    )

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["participants.0.language"]
    assert client.get(draft.url, headers=draft.headers).json()["version"] == 1


def test_period_and_next_review_date_are_set(client: TestClient, draft: Draft) -> None:
    today = local_today()
    period = {"from": today.isoformat(), "to": (today + timedelta(days=180)).isoformat()}
    review = (today + timedelta(days=42)).isoformat()

    response = patch(client, draft, {"period": period, "next_review_date": review}, '"1"')

    assert response.status_code == 200, response.text
    assert response.json()["period"] == period
    assert response.json()["next_review_date"] == review


def test_a_period_that_ends_before_it_starts_is_422(client: TestClient, draft: Draft) -> None:
    today = local_today()

    response = patch(
        client,
        draft,
        {"period": {"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()}},
        '"1"',
    )

    assert response.status_code == 422
    assert client.get(draft.url, headers=draft.headers).json()["version"] == 1


def test_every_patch_bumps_the_version_by_one(client: TestClient, draft: Draft) -> None:
    versions = []
    for n in range(1, 4):
        response = patch(client, draft, {"centre": {"what_matters": f"Utkast {n}"}}, f'"{n}"')
        assert response.status_code == 200, response.text
        versions.append((response.json()["version"], response.headers["etag"]))

    assert versions == [(2, '"2"'), (3, '"3"'), (4, '"4"')]


@pytest.mark.parametrize("tag", ['"3"', "3", "*", '"1", "3"', 'W/"3", "3"'])
def test_if_match_accepts_the_version_in_every_usual_form(
    client: TestClient, draft: Draft, tag: str
) -> None:
    for n in (1, 2):
        assert (
            patch(client, draft, {"centre": {"what_matters": f"v{n}"}}, f'"{n}"').status_code == 200
        )

    response = patch(client, draft, {"centre": {"what_matters": "v3"}}, tag)

    assert response.status_code == 200, response.text
    assert response.json()["version"] == 4


@pytest.mark.parametrize("tag", ['W/"3"', '"1", W/"3"'])
def test_a_weak_tag_never_matches_an_update(client: TestClient, draft: Draft, tag: str) -> None:
    """RFC 9110 compares If-Match strongly: W/"3" is not "3" (it used to be let through)."""
    for n in (1, 2):
        assert (
            patch(client, draft, {"centre": {"what_matters": f"v{n}"}}, f'"{n}"').status_code == 200
        )

    response = patch(client, draft, {"centre": {"what_matters": "v3"}}, tag)

    assert response.status_code == 412, response.text
    assert patch(client, draft, {"centre": {"what_matters": "v3"}}, '"3"').status_code == 200


def test_stale_or_missing_if_match_writes_nothing(client: TestClient, draft: Draft) -> None:
    assert patch(client, draft, {"centre": {"what_matters": "Først"}}, '"1"').status_code == 200

    stale = patch(client, draft, {"centre": {"what_matters": "Overskrevet"}}, '"1"')
    missing = patch(client, draft, {"centre": {"what_matters": "Overskrevet"}}, None)

    assert stale.status_code == 412
    assert missing.status_code == 428
    current = client.get(draft.url, headers=draft.headers).json()
    assert (current["centre"]["what_matters"], current["version"]) == ("Først", 2)


def test_canvas_is_marked_completed(client: TestClient, draft: Draft) -> None:
    response = patch(client, draft, {"status": "completed"}, '"1"')

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed"
    assert client.get(draft.url, headers=draft.headers).json()["status"] == "completed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"domains": {"bolig": {"family_score": 11}}}, "domains.bolig.family_score"),
        ({"domains": {"bolig": {"family_score": 0}}}, "domains.bolig.family_score"),
        ({"domains": {"no_such_domain": {"situation": "x"}}}, "domains.no_such_domain"),
        (
            {"domains": {"bolig": {"indicators": ["okonomi.gjeld"]}}},
            "domains.bolig.indicators[0]",
        ),
        ({"status": "archived"}, "status"),
        ({"owner": "someone"}, "owner"),
    ],
)
def test_invalid_patch_names_the_field_and_writes_nothing(
    client: TestClient, draft: Draft, body: dict[str, Any], field: str
) -> None:
    response = patch(client, draft, body, '"1"')

    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert client.get(draft.url, headers=draft.headers).json()["version"] == 1
