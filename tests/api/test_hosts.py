"""The server answers only for its own host names, says so over HTTPS, and believes forwarded
headers only from the proxies it is told to (issue 10 #5)."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import make_engine
from tests.cli.duk_process import serving
from tests.conftest import prepare_database


@pytest.mark.parametrize("path", ["/api/v1/health", "/login", "/", "/families"])
def test_a_host_the_server_does_not_answer_for_is_400_and_goes_nowhere(
    client: TestClient, path: str
) -> None:
    response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/bad-host"
    assert "location" not in response.headers
    assert "evil.example" not in response.text


def test_the_servers_own_names_are_answered_with_any_port(client: TestClient) -> None:
    for host in ("testserver", "localhost:8000", "127.0.0.1:8443"):
        response = client.get("/api/v1/health", headers={"Host": host})
        assert response.status_code == 200, (host, response.text)
    signed_out = client.get("/", headers={"Host": "localhost:8000"}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert "evil" not in signed_out.headers["location"]


def test_https_answers_carry_hsts_and_plain_http_does_not(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as secure:
        assert secure.get("/api/v1/health").headers["strict-transport-security"] == (
            "max-age=31536000"
        )
    with TestClient(app, base_url="http://testserver") as plain:
        assert "strict-transport-security" not in plain.get("/api/v1/health").headers


def test_duk_serve_believes_forwarded_headers_only_from_the_proxies_it_is_told(
    fresh_database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(fresh_database_url)
    prepare_database(engine)
    engine.dispose()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}

    with serving(fresh_database_url, tmp_path / "trusted.log") as trusted:
        behind_proxy = httpx2.get(f"{trusted.base_url}/api/v1/health", headers=forwarded)
    with serving(
        fresh_database_url, tmp_path / "other.log", "--forwarded-allow-ips", "10.9.9.9"
    ) as other:
        not_our_proxy = httpx2.get(f"{other.base_url}/api/v1/health", headers=forwarded)

    # 127.0.0.1 is the default proxy: its word that the request came over HTTPS is taken.
    assert behind_proxy.headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in not_our_proxy.headers
