"""Need to know (DESIGN §4.1): a consent shares the plan, not the case.

The world's canvas is given a worker's score and every statistics-only indicator code of the
template, in every domain and on a need, and its plan is submitted again so the frozen version
holds them too. Then every request the matrices let a consented unit make, in the API and in the
browser, is sent as that unit, and every answer is searched, the PDF's text included, for a
worker's score and for each indicator code and title in every language. None may be there. The
same search over what the plan lead reads finds them, so the search is known to see them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from app.access.scope import scope_for
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasPatch
from app.catalogue import template_store
from app.config import Settings
from app.kit.i18n import local_today, translations
from app.models import Plan
from app.models.enums import Role
from app.needs import service as need_service
from app.needs.schemas import NeedCreate
from app.plans import service as plan_service
from app.readings import service as reading_service
from app.readings.schemas import ReadingCreate
from tests.access.test_audit_coverage import NO_FAMILY_DATA
from tests.access.test_matrix import ENDPOINTS, PERSONA, expected_status
from tests.access.test_page_matrix import PAGES, expected_page_status, sign_in_as
from tests.factories import World, actor_of, auth_headers, build_world, make_unit, make_user

WORKER_SCORE = 9
FAMILY_SCORE = 3


# Said at a follow-up meeting: readings, and what was said at them, are the lead side's.
READING_NOTE = "Mor sier at eldste har begynt å sove om natta igjen."


@dataclass(frozen=True)
class Secrets:
    """What must never reach a consented unit, as it would appear in an answer."""

    codes: tuple[str, ...]
    titles: tuple[str, ...]
    worker_labels: tuple[str, ...]
    notes: tuple[str, ...] = (READING_NOTE,)

    def found_in(self, text: str) -> list[str]:
        found = [code for code in self.codes if code in text]
        found += [title for title in self.titles if title in text]
        found += [label for label in self.worker_labels if label in text]
        found += [note for note in self.notes if note in text]
        if '"worker_score"' in text or '"indicators"' in text:
            found.append("a worker_score or indicators field")
        return found


def secrets_of(session: Session) -> Secrets:
    template = template_store.template_by_id(session, template_store.latest(session, "familie").id)
    codes: list[str] = []
    titles: set[str] = set()
    for domain in template.domains:
        for indicator in domain.indicators:
            codes.append(indicator.code)
            titles.update(indicator.title.get(lang) for lang in ("nb", "nn", "en"))
    labels = tuple(
        translations(lang).gettext("worker: %(score)s") % {"score": WORKER_SCORE}
        for lang in ("nb", "nn", "en")
    )
    return Secrets(tuple(codes), tuple(sorted(titles)), labels)


def tick_everything(session: Session, world: World) -> Plan:
    """Every domain scored by the worker and every indicator ticked, a need with codes, and the
    plan submitted again: version 2 is frozen with all of it."""
    actor = actor_of(session, world.lead)
    scope = scope_for(session, actor, world.family)
    canvas = canvas_service.load_canvas(session, world.canvas.id)
    assert canvas is not None
    template = template_store.template_of(session, canvas)
    domains = {
        d.key: {
            "worker_score": WORKER_SCORE,
            "family_score": FAMILY_SCORE,
            "indicators": [i.code for i in d.indicators],
        }
        for d in template.domains
    }
    canvas_service.patch_canvas(
        session, actor, scope, canvas, CanvasPatch.model_validate({"domains": domains}),
        canvas.version,
    )  # fmt: skip
    okonomi = template.domain("okonomi")
    assert okonomi is not None
    need_service.add_need(
        session,
        actor,
        scope,
        canvas,
        NeedCreate(
            domain="okonomi",
            text="Vi har regninger vi ikke klarer.",
            priority=1,
            indicators=[i.code for i in okonomi.indicators],
        ),
    )
    plan = plan_service.submit_plan(session, actor, scope, canvas)
    # A follow-up meeting with a note, after the plan: it moves the next review too.
    today = local_today()
    reading_service.add_reading(
        session,
        actor,
        scope,
        ReadingCreate.model_validate(
            {
                "taken_on": today.isoformat(),
                "scores": {"bolig": {"family": FAMILY_SCORE + 2, "worker": WORKER_SCORE}},
                "note": READING_NOTE,
                "next_review_date": (today + timedelta(days=50)).isoformat(),
            }
        ),
    )
    session.commit()
    return plan


def text_of(response_body: bytes, content_type: str) -> str:
    if content_type.startswith("application/pdf"):
        reader = PdfReader(io.BytesIO(response_body))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    return response_body.decode("utf-8", errors="replace")


def _consented_api_calls(world: World, plan_2: Plan) -> Iterator[tuple[str, str, dict[str, str]]]:
    """Every API request a consented unit may make that answers with a family's data (the
    catalogue and the canvas templates name every indicator, for everyone), as (method, url,
    query)."""
    persona = PERSONA["consented"]
    for endpoint in ENDPOINTS:
        if expected_status(endpoint.kind, persona, endpoint.success) >= 400:
            continue
        if endpoint.method == "GET" and endpoint.path in NO_FAMILY_DATA:
            continue
        ids = endpoint.ids(world)
        if "plan_id" in ids:
            yield (
                endpoint.method,
                endpoint.url({**ids, "plan_id": plan_2.id}),
                endpoint.query(world),
            )
        yield endpoint.method, endpoint.url(ids), endpoint.query(world)


def test_nothing_a_consented_unit_receives_holds_a_worker_score_or_a_statistics_code(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    plan_2 = tick_everything(session, world)
    secrets = secrets_of(session)
    headers = world.headers["consented"]

    # The search sees them where they are: in what the lead side reads.
    lead_plan = client.get(f"/api/v1/plans/{plan_2.id}", headers=world.headers["lead"])
    assert set(secrets.codes) <= set(secrets.found_in(lead_plan.text))
    lead_canvas = client.get(f"/api/v1/canvases/{world.canvas.id}", headers=world.headers["lead"])
    assert '"worker_score":9' in lead_canvas.text.replace(" ", "")
    for path in ("readings", "timeline", "export"):
        lead_read = client.get(
            f"/api/v1/families/{world.family.id}/{path}", headers=world.headers["lead"]
        )
        assert READING_NOTE in secrets.found_in(lead_read.text), path

    answered: list[str] = []
    # Reads first, then the writes the unit may make (its review, its own action's status).
    calls = sorted(_consented_api_calls(world, plan_2), key=lambda call: call[0] != "GET")
    for method, url, query in calls:
        response = client.request(method, url, params=query, headers=headers)
        if response.status_code >= 400:
            continue  # a write refused for the state it is in: nothing was returned
        answered.append(f"{method} {url}")
        found = secrets.found_in(
            text_of(response.content, response.headers.get("content-type", ""))
        )
        assert found == [], f"{method} {url} gave a consented unit {found[:5]}"
    assert any(a.startswith(f"GET /api/v1/plans/{plan_2.id}") for a in answered)
    assert any("/assigned" in a for a in answered)


def test_no_page_or_pdf_a_consented_unit_opens_holds_a_worker_score_or_a_statistics_code(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    plan_2 = tick_everything(session, world)
    secrets = secrets_of(session)

    sign_in_as(client, session, world, "lead")
    lead_pdf = client.get(f"/plans/{plan_2.id}.pdf")
    lead_canvas = client.get(f"/canvases/{world.canvas.id}")
    assert lead_pdf.status_code == lead_canvas.status_code == 200
    # The lead side's canvas shows the worker's score and the ticks; the search finds them.
    assert secrets.found_in(lead_canvas.text)
    for path in ("readings", "timeline"):
        lead_page = client.get(f"/families/{world.family.id}/{path}")
        assert READING_NOTE in secrets.found_in(lead_page.text), path

    client.cookies.clear()
    sign_in_as(client, session, world, "consented")
    opened: list[str] = []
    for page in PAGES:
        # The pages it may open (not those that send it on, as the second factor's do).
        if page.method != "GET" or expected_page_status(page, "consented") != 200:
            continue
        ids = {**page.ids(world), **page.setup(session, world)}
        urls = [page.url(ids)]
        if "plan_id" in ids:
            urls.append(page.url({**ids, "plan_id": plan_2.id}))
        for url in urls:
            response = client.get(url, params=page.query(world), follow_redirects=False)
            assert response.status_code == 200, (url, response.status_code)
            opened.append(url)
            found = secrets.found_in(
                text_of(response.content, response.headers.get("content-type", ""))
            )
            assert found == [], f"{url} showed a consented unit {found[:5]}"
    assert f"/plans/{plan_2.id}.pdf" in opened
    assert f"/plans/{plan_2.id}/review" in opened


def test_the_consent_statement_says_what_is_shared_and_what_is_not(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    sign_in_as(client, session, world, "lead")
    statement = client.get(f"/families/{world.family.id}/consents/{world.consent_b_id}/statement")
    assert statement.status_code == 200
    text = statement.text
    _ = translations("nb").gettext
    assert _("What is shared") in text
    assert _("What is not shared") in text
    # The family reads, in plain words, each thing the unit never sees.
    for words in (
        _("the notes from our conversation while they are being written"),
        _("the caseworker's own scores"),
        _("the boxes ticked for anonymous statistics"),
        _("our follow-up scores"),
    ):
        assert words in text, words


# --- what came after the family agreed is not shared (a second read, issue 9) ------------------

API = "/api/v1"


def _as_lead(client: TestClient, world: World, method: str, path: str, **kwargs: Any) -> Any:
    headers = {**world.headers["lead"], **kwargs.pop("headers", {})}
    response = client.request(method, f"{API}{path}", headers=headers, **kwargs)
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def _participants(client: TestClient, world: World, names: list[str]) -> None:
    canvas = client.get(f"{API}/canvases/{world.canvas.id}", headers=world.headers["lead"])
    people = [{"name": "Mor", "role": "family_member"}, {"name": "Veileder", "role": "plan_lead"}]
    people += [{"name": name, "role": "network"} for name in names]
    _as_lead(
        client,
        world,
        "PATCH",
        f"/canvases/{world.canvas.id}",
        json={"participants": people},
        headers={**world.headers["lead"], "If-Match": canvas.headers["etag"]},
    )


def test_a_name_check_tells_a_consented_caseworker_nothing_of_the_live_canvas(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    caseworker = make_user(session, units=[world.unit_b])
    headers = auth_headers(session, caseworker, settings)
    session.commit()
    _participants(client, world, ["Amina Haddad"])
    _as_lead(client, world, "POST", f"/canvases/{world.canvas.id}/plans")
    _participants(client, world, ["Amina Haddad", "Jonas Fjellberg"])  # after the plan

    def barrier(text: str) -> int:
        body = {
            "category": "routine",
            "domain": "bolig",
            "responsible_level": "municipal",
            "text": text,
            "family_id": str(world.family.id),
        }
        return client.post(f"{API}/barriers", json=body, headers=headers).status_code

    # A name in the plan the family shared is refused; one only on the live canvas is not told.
    assert barrier("Haddad ventet et år på bostøtte.") == 422
    assert barrier("Fjellberg ventet et år på bostøtte.") == 201


def test_a_consented_unit_reads_its_own_review_whole_and_of_others_only_the_decision(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    unit_e = make_unit(session, name="Psykisk helse Test")
    reviewer_e = make_user(session, role=Role.reviewer, units=[unit_e])
    headers_e = auth_headers(session, reviewer_e, settings)
    session.commit()
    _as_lead(
        client,
        world,
        "POST",
        f"/families/{world.family.id}/consents",
        json={"unit_id": str(unit_e.id), "given_by": "Mor"},
    )
    _as_lead(
        client,
        world,
        "POST",
        f"/canvases/{world.canvas.id}/actions",
        json={
            "text": "Samtaler hos psykisk helse.",
            "responsible": {"kind": "unit", "unit_id": str(unit_e.id)},
            "due": (local_today() + timedelta(days=20)).isoformat(),
        },
    )
    plan = _as_lead(client, world, "POST", f"/canvases/{world.canvas.id}/plans")
    secret_comment = "Far har en åpen sak hos oss."
    for persona_headers, body in (
        (headers_e, {"decision": "changes_requested", "comment": secret_comment}),
        (world.headers["consented"], {"decision": "approved", "comment": "Greit for oss."}),
    ):
        decided = client.post(
            f"{API}/plans/{plan['id']}/reviews", json=body, headers=persona_headers
        )
        assert decided.status_code == 200, decided.text
    _as_lead(client, world, "POST", f"/plans/{plan['id']}/close", json={
        "outcome": "family_moved", "note": "Flyttet til krisesenteret.",
    })  # fmt: skip

    as_b = client.get(f"{API}/plans/{plan['id']}", headers=world.headers["consented"]).json()
    as_lead = client.get(f"{API}/plans/{plan['id']}", headers=world.headers["lead"]).json()
    sign_in_as(client, session, world, "consented")
    page = client.get(f"/plans/{plan['id']}").text

    reviews = {r["unit_id"]: r for r in as_b["reviews"]}
    assert reviews[str(world.unit_b.id)]["comment"] == "Greit for oss."
    assert reviews[str(unit_e.id)]["status"] == "changes_requested"
    assert reviews[str(unit_e.id)]["comment"] is None
    assert reviews[str(unit_e.id)]["reviewer_name"] is None
    assert as_b["outcome"] == "family_moved"
    assert as_b["outcome_note"] is None
    assert secret_comment not in page
    assert "krisesenteret" not in page
    # The lead side reads them all.
    assert {r["comment"] for r in as_lead["reviews"]} == {secret_comment, "Greit for oss."}
    assert as_lead["outcome_note"] == "Flyttet til krisesenteret."


def test_an_action_written_after_the_plan_reaches_the_unit_with_the_next_version(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    draft = _as_lead(
        client,
        world,
        "POST",
        f"/canvases/{world.canvas.id}/actions",
        json={
            "text": "Utkast som ikke er avtalt med familien.",
            "responsible": {"kind": "unit", "unit_id": str(world.unit_b.id)},
            "due": (local_today() + timedelta(days=3)).isoformat(),
        },
    )
    reviewer = world.headers["consented"]

    def seen_by_unit() -> tuple[set[str], str]:
        assigned = client.get(f"{API}/families/{world.family.id}/assigned", headers=reviewer)
        inbox = client.get(f"{API}/inbox", headers=reviewer)
        return {a["id"] for a in assigned.json()["actions"]}, inbox.text

    before, inbox_before = seen_by_unit()
    _as_lead(client, world, "POST", f"/canvases/{world.canvas.id}/plans")
    after, inbox_after = seen_by_unit()

    assert before == {str(world.action.id)}
    assert "Utkast som ikke er avtalt" not in inbox_before
    assert after == {str(world.action.id), draft["id"]}
    assert "Utkast som ikke er avtalt" in inbox_after


def test_a_consented_unit_reads_who_interpreted_and_the_language_in_the_plan(
    client: TestClient, session: Session, settings: Settings
) -> None:
    # Who takes part is part of the plan the family shares, the interpreter's language with it.
    world = build_world(session, settings)
    canvas = client.get(f"{API}/canvases/{world.canvas.id}", headers=world.headers["lead"])
    people = [
        {"name": "Mor", "role": "family_member"},
        {"name": "Yusuf Karim", "role": "interpreter", "language": "arabisk"},
    ]
    _as_lead(
        client,
        world,
        "PATCH",
        f"/canvases/{world.canvas.id}",
        json={"participants": people},
        headers={**world.headers["lead"], "If-Match": canvas.headers["etag"]},
    )
    plan = _as_lead(client, world, "POST", f"/canvases/{world.canvas.id}/plans")

    shared = client.get(f"{API}/plans/{plan['id']}", headers=world.headers["consented"])

    assert shared.status_code == 200, shared.text
    assert shared.json()["content"]["participants"] == [
        {"name": "Mor", "role": "family_member", "unit_id": None},
        {"name": "Yusuf Karim", "role": "interpreter", "unit_id": None, "language": "arabisk"},
    ]
