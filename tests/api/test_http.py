"""HTTP as RFC 9110 says (DESIGN §8, issue 10 #9): every GET answers HEAD, a 405 names every
method of its path, a 201 says where the new record is, a request without a token hears 401
before anything about its body, and the OpenAPI document says If-Match is required where a
request without it gets 428."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from tests.access.test_audit_coverage import PATH_IDS
from tests.access.test_matrix import ENDPOINTS, UNAUTHENTICATED
from tests.factories import build_world
from tests.html import page

API = "/api/v1"


def _document(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _operations(client: TestClient) -> dict[str, set[str]]:
    return {
        path: {m.upper() for m in item if m in {"get", "post", "put", "patch", "delete"}}
        for path, item in _document(client)["paths"].items()
        if path.startswith(f"{API}/")
    }


def test_every_get_answers_head_with_the_same_headers_and_no_body(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    ids = {name: str(get(world)) for name, get in PATH_IDS.items()}
    gets = [path for path, methods in _operations(client).items() if "GET" in methods]
    assert gets
    for path in gets:
        url = path.format(**ids)
        params = {"against": "1"} if path.endswith("/diff") else {}
        got = client.get(url, params=params, headers=world.headers["lead"])
        head = client.head(url, params=params, headers=world.headers["lead"])
        assert head.status_code == got.status_code, (path, head.status_code, got.status_code)
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        # The length of the GET's body (an audit trail grows with each read, so not equal).
        assert ("content-length" in head.headers) is ("content-length" in got.headers), path


@pytest.mark.parametrize(("path", "method"), [
    (f"{API}/families/{{id}}", "PUT"),
    (f"{API}/families", "DELETE"),
    (f"{API}/canvases/{{id}}", "POST"),
    (f"{API}/tokens", "GET"),
])  # fmt: skip
def test_a_405_names_every_method_of_its_path(
    client: TestClient, session: Session, settings: Settings, path: str, method: str
) -> None:
    world = build_world(session, settings)
    documented = _operations(client)[
        path.replace("{id}", "{family_id}" if "families" in path else "{canvas_id}")
    ]
    url = path.format(id=uuid.uuid4())

    response = client.request(method, url, headers=world.headers["lead"])

    assert response.status_code == 405, response.text
    expected = documented | ({"HEAD"} if "GET" in documented else set())
    assert set(response.headers["allow"].split(", ")) == expected


def test_a_201_says_where_the_new_record_is(
    client: TestClient, session: Session, settings: Settings
) -> None:
    creating = [e for e in ENDPOINTS if e.success == 201]
    assert len(creating) >= 8
    for endpoint in creating:
        world = build_world(session, settings)
        response = endpoint.send(
            client,
            world,
            "lead" if "barriers" not in endpoint.path else "lead",
            endpoint.ids(world),
        )
        assert response.status_code == 201, (endpoint.path, response.text)
        location = response.headers.get("location")
        assert location is not None, endpoint.path
        assert location.startswith(f"{API}/"), (endpoint.path, location)
        created_id = response.json().get("id")
        # A reading has no URL of its own: it is one line of the family's readings.
        if created_id and not endpoint.path.endswith("/readings"):
            assert created_id in location, (endpoint.path, location)


def test_without_a_token_every_operation_is_401_before_its_input_is_looked_at(
    client: TestClient,
) -> None:
    for path, methods in _operations(client).items():
        url = re.sub(r"\{[a-z_]+\}", "not-a-uuid", path)
        for method in methods:
            if (method, path) in UNAUTHENTICATED:
                continue
            response = client.request(
                method, url, content=b'{"unknown": ', headers={"content-type": "application/json"}
            )
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["www-authenticate"] == "Bearer"
            assert "errors" not in response.json()


def test_the_document_says_if_match_is_required_where_its_absence_is_428(
    client: TestClient, session: Session, settings: Settings
) -> None:
    document = _document(client)
    required = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "If-Match" and parameter["required"]
    }
    with_version = {e.key for e in ENDPOINTS if e.version is not None}
    assert required == with_version
    for endpoint in ENDPOINTS:
        if endpoint.version is None:
            continue
        world = build_world(session, settings)
        response = client.request(
            endpoint.method,
            endpoint.url(endpoint.ids(world)),
            headers=world.headers["lead"],
            params=endpoint.query(world),
            json=endpoint.body(world),
        )
        assert response.status_code == 428, (endpoint.key, response.text)


def test_the_api_docs_page_loads_only_the_apps_own_files(client: TestClient) -> None:
    response = client.get("/api/docs")

    assert response.status_code == 200
    docs = page(response)
    sources = [found.get("src") or found["href"] for found in docs.all("[src], [href]")]
    assert sources
    assert all(s.startswith("/static/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert docs.inline_code() == []  # nothing inline: the CSP would refuse it
