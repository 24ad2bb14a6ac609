"""The app answers, on the database this run uses."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from tests.factories import build_world


def test_health_answers_ok(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_plan_lead_reads_the_family_and_its_canvas(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    family = client.get(f"/api/v1/families/{world.family.id}", headers=world.headers["lead"])
    assert family.status_code == 200, family.text
    assert family.json()["display_name"] == "Familien Test"
    assert family.headers["etag"] == f'"{family.json()["version"]}"'
    canvas = client.get(f"/api/v1/canvases/{world.canvas.id}", headers=world.headers["lead"])
    assert canvas.status_code == 200, canvas.text
    body = canvas.json()
    assert list(body["domains"])[:2] == ["bolig", "okonomi"]
    assert body["needs"][0]["text"] == "Vi trenger større bolig."
