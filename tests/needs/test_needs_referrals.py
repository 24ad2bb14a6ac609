"""Needs, suggested services and referrals (DESIGN §3 Need, Service, Referral; §5; §8)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from app.models import Family, Need, Referral, ReferralEvent, Service
from app.models.enums import ServiceStatus
from tests.factories import World, build_world, make_service
from tests.html import page
from tests.pages import SignedIn

# --- needs ----------------------------------------------------------------------------------


def add_need(client: TestClient, world: World, **body: Any) -> httpx2.Response:
    need = {"domain": "okonomi", "text": "Vi har gjeld vi ikke får oversikt over.", "priority": 1}
    need.update(body)
    return client.post(
        f"/api/v1/canvases/{world.canvas.id}/needs", json=need, headers=world.headers["lead"]
    )


def needs_on_canvas(client: TestClient, world: World) -> list[dict[str, Any]]:
    canvas = client.get(f"/api/v1/canvases/{world.canvas.id}", headers=world.headers["lead"])
    needs: list[dict[str, Any]] = canvas.json()["needs"]
    return needs


def test_plan_lead_adds_a_need_in_the_familys_words(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    response = add_need(client, world, priority=2, indicators=["okonomi.gjeld", "okonomi.inkasso"])

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "id": body["id"],
        "domain": "okonomi",
        "text": "Vi har gjeld vi ikke får oversikt over.",
        "priority": 2,
        "indicators": ["okonomi.gjeld", "okonomi.inkasso"],
        "status": "active",
        "concerns_member_id": None,
        "version": 1,
    }
    uuid.UUID(body["id"])
    assert body in needs_on_canvas(client, world)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"domain": "no_such_domain"}, "domain", id="unknown-domain"),
        pytest.param(
            {"domain": "okonomi", "indicators": ["bolig.trangbodd"]},
            "indicators[0]",
            id="indicator-of-another-domain",
        ),
        pytest.param({"indicators": ["okonomi.no_such"]}, "indicators[0]", id="unknown-indicator"),
        pytest.param({"priority": 0}, "priority", id="priority-0"),
        pytest.param({"priority": 4}, "priority", id="priority-4"),
        pytest.param({"text": ""}, "text", id="empty-text"),
    ],
)
def test_invalid_need_is_422_naming_the_field(
    client: TestClient, session: Session, settings: Settings, body: dict[str, Any], field: str
) -> None:
    world = build_world(session, settings)

    response = add_need(client, world, **body)

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert len(needs_on_canvas(client, world)) == 1


def test_consented_unit_cannot_add_needs(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    response = client.post(
        f"/api/v1/canvases/{world.canvas.id}/needs",
        json={"domain": "bolig", "text": "Noe annet.", "priority": 1},
        headers=world.headers["consented"],
    )

    # The canvas is the live case, which the consent does not share: it is not there.
    assert response.status_code == 404
    assert len(needs_on_canvas(client, world)) == 1


# --- suggestions ----------------------------------------------------------------------------


def catalogue_entry(
    session: Session,
    world: World,
    name: str,
    *,
    domains: list[str],
    indicators: list[str],
    status: ServiceStatus = ServiceStatus.active,
) -> Service:
    service = make_service(session, world.unit_c, domains=domains)
    service.name = name
    service.indicators = indicators
    service.status = status
    service.application_process = f"Ring {name} eller søk på nett."
    return service


def test_suggestions_rank_services_for_the_needs_indicators_first(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)  # its need: bolig, indicator bolig.trangbodd
    by_indicator = catalogue_entry(
        session, world, "Trangboddhjelp", domains=["okonomi"], indicators=["bolig.trangbodd"]
    )
    defunct = catalogue_entry(
        session,
        world,
        "Nedlagt boligtiltak",
        domains=["bolig"],
        indicators=["bolig.trangbodd"],
        status=ServiceStatus.defunct,
    )
    inactive = catalogue_entry(
        session,
        world,
        "Pauset boligtiltak",
        domains=["bolig"],
        indicators=["bolig.trangbodd"],
        status=ServiceStatus.inactive,
    )
    world_service = session.get(Service, world.referral.service_id)
    assert world_service is not None
    world_service.application_process = "Send en henvisning."
    session.commit()

    response = client.get(
        f"/api/v1/needs/{world.need.id}/suggestions", headers=world.headers["lead"]
    )

    assert response.status_code == 200, response.text
    suggestions = response.json()
    ids = [s["service"]["id"] for s in suggestions]
    assert str(by_indicator.id) in ids
    assert str(world_service.id) in ids
    assert str(defunct.id) not in ids
    assert str(inactive.id) not in ids
    # Who in the household a service takes comes first (the next test); among the services
    # the family may use, those for the family's own signs come before domain-only matches.
    usable = [s for s in suggestions if s["age_fit"] in ("fits", "no_age_limit")]
    assert suggestions[: len(usable)] == usable
    addresses = ["bolig.trangbodd" in s["matched_indicators"] for s in usable]
    assert any(addresses)
    assert not all(addresses), "expected domain-only matches too, to rank against"
    first_domain_only = addresses.index(False)
    assert all(addresses[:first_domain_only])
    assert not any(addresses[first_domain_only:])
    assert [s["score"] for s in usable] == sorted((s["score"] for s in usable), reverse=True)
    for suggestion in suggestions:
        service = suggestion["service"]
        assert service["status"] == "active"
        assert "bolig" in service["domains"] or suggestion["matched_indicators"]
        assert service["provider_name"]
        assert service["provider_unit_id"]
        assert service["application_process"]
    [mine] = [s for s in suggestions if s["service"]["id"] == str(by_indicator.id)]
    assert mine["service"]["provider_name"] == "Skole Test"
    assert mine["service"]["application_process"] == "Ring Trangboddhjelp eller søk på nett."


def test_suggestions_are_for_the_plan_lead_side(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    url = f"/api/v1/needs/{world.need.id}/suggestions"

    assert client.get(url, headers=world.headers["consented"]).status_code == 404
    assert client.get(url, headers=world.headers["other_unit"]).status_code == 404


# --- referrals ------------------------------------------------------------------------------


def refer(client: TestClient, world: World, body: dict[str, Any]) -> httpx2.Response:
    return client.post(
        f"/api/v1/needs/{world.need.id}/referrals", json=body, headers=world.headers["lead"]
    )


def move(
    client: TestClient,
    world: World,
    persona: str,
    referral: dict[str, Any],
    **body: Any,
) -> httpx2.Response:
    """PATCH a referral as ``persona``; on success ``referral`` is updated in place."""
    response = client.patch(
        f"/api/v1/referrals/{referral['id']}",
        json=body,
        headers={**world.headers[persona], "If-Match": f'"{referral["version"]}"'},
    )
    if response.status_code == 200:
        referral.update(response.json())
    return response


def count_referrals(session: Session, world: World) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Referral).where(Referral.need_id == world.need.id)
        )
        or 0
    )


def world_referral(world: World) -> dict[str, Any]:
    """The world's referral to unit B's service, status "sent"."""
    return {"id": str(world.referral.id), "version": world.referral.version}


def test_referral_to_a_catalogue_service(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    service = make_service(session, world.unit_b)
    session.commit()

    response = refer(client, world, {"service_id": str(service.id)})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "id": body["id"],
        "need_id": str(world.need.id),
        "service_id": str(service.id),
        "external_service_name": None,
        "provider_unit_id": str(world.unit_b.id),
        "status": "proposed",
        "reason": None,
        "outcome": None,
        "version": 1,
    }
    assert response.headers["etag"] == '"1"'


def test_a_need_is_mapped_to_a_service_once_while_the_referral_stands(
    client: TestClient, session: Session, settings: Settings
) -> None:
    """The rule the tablet's second tap relies on lives in the service, so the API keeps it
    too: while a referral to a service stands, the same need gets no second one; once it is
    cancelled, the family may be referred there again."""
    world = build_world(session, settings)
    service = make_service(session, world.unit_b)
    session.commit()
    first = refer(client, world, {"service_id": str(service.id)}).json()
    before = count_referrals(session, world)

    again = refer(client, world, {"service_id": str(service.id)})

    assert again.status_code == 409, again.text
    assert count_referrals(session, world) == before
    cancel = move(client, world, "lead", first, status="cancelled", reason="Feil tjeneste.")
    assert cancel.status_code == 200, cancel.text
    assert refer(client, world, {"service_id": str(service.id)}).status_code == 201


def test_referral_to_a_service_outside_the_catalogue(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    response = refer(client, world, {"external_service_name": "Idrettslaget på Rolvsøy"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["service_id"], body["external_service_name"]) == (None, "Idrettslaget på Rolvsøy")
    assert (body["provider_unit_id"], body["status"]) == (None, "proposed")


@pytest.mark.parametrize("which", ["both", "neither"])
def test_referral_names_exactly_one_service(
    client: TestClient, session: Session, settings: Settings, which: str
) -> None:
    world = build_world(session, settings)
    before = count_referrals(session, world)
    body: dict[str, Any] = {}
    if which == "both":
        body = {"service_id": str(world.referral.service_id), "external_service_name": "Annet"}

    response = refer(client, world, body)

    assert response.status_code == 422
    assert count_referrals(session, world) == before


@pytest.mark.parametrize("status", [ServiceStatus.defunct, ServiceStatus.inactive])
def test_no_new_referral_to_a_service_no_longer_offered(
    client: TestClient, session: Session, settings: Settings, status: ServiceStatus
) -> None:
    world = build_world(session, settings)
    service = make_service(session, world.unit_b)
    service.status = status
    session.commit()
    before = count_referrals(session, world)

    response = refer(client, world, {"service_id": str(service.id)})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["service_id"]
    assert count_referrals(session, world) == before


def test_referral_to_an_unknown_service_is_422(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)

    response = refer(client, world, {"service_id": str(uuid.uuid4())})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["service_id"]


def test_referral_runs_its_course_and_keeps_its_history(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    service = make_service(session, world.unit_b)
    session.commit()
    referral = refer(client, world, {"service_id": str(service.id)}).json()

    assert move(client, world, "lead", referral, status="sent").status_code == 200
    assert move(client, world, "consented", referral, status="accepted").status_code == 200
    assert move(client, world, "consented", referral, status="in_progress").status_code == 200
    no_outcome = move(client, world, "consented", referral, status="completed")
    assert no_outcome.status_code == 422
    assert [e["field"] for e in no_outcome.json()["errors"]] == ["outcome"]
    done = move(client, world, "consented", referral, status="completed", outcome="got_help")

    assert done.status_code == 200, done.text
    assert (referral["status"], referral["outcome"]) == ("completed", "got_help")
    assert referral["version"] == 5
    events = session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == uuid.UUID(referral["id"]))
        .order_by(ReferralEvent.at, ReferralEvent.id)
    ).all()
    assert [
        (
            e.from_status and e.from_status.value,
            e.to_status.value,
            e.user_id,
            e.unit_id,
            e.outcome and e.outcome.value,
        )
        for e in events
    ] == [
        (None, "proposed", world.lead.id, world.unit_a.id, None),
        ("proposed", "sent", world.lead.id, world.unit_a.id, None),
        ("sent", "accepted", world.consented.id, world.unit_b.id, None),
        ("accepted", "in_progress", world.consented.id, world.unit_b.id, None),
        ("in_progress", "completed", world.consented.id, world.unit_b.id, "got_help"),
    ]
    assert all(e.at.tzinfo is not None for e in events)
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_declining_needs_a_reason_that_is_kept(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    referral = world_referral(world)

    without = move(client, world, "consented", referral, status="declined")
    declined = move(
        client,
        world,
        "consented",
        referral,
        status="declined",
        reason="Familien bor utenfor vårt område.",
        outcome="not_eligible",
    )

    assert without.status_code == 422
    assert [e["field"] for e in without.json()["errors"]] == ["reason"]
    assert declined.status_code == 200, declined.text
    assert (referral["status"], referral["reason"], referral["outcome"]) == (
        "declined",
        "Familien bor utenfor vårt område.",
        "not_eligible",
    )
    last = session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == world.referral.id)
        .order_by(ReferralEvent.at.desc(), ReferralEvent.id.desc())
    ).first()
    assert last is not None
    assert (last.to_status.value, last.reason, last.user_id) == (
        "declined",
        "Familien bor utenfor vårt område.",
        world.consented.id,
    )


def test_cancelling_needs_a_reason(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    referral = world_referral(world)

    without = move(client, world, "lead", referral, status="cancelled", reason="  ")
    cancelled = move(
        client, world, "lead", referral, status="cancelled", reason="Familien fant bolig selv."
    )

    assert without.status_code == 422
    assert [e["field"] for e in without.json()["errors"]] == ["reason"]
    assert cancelled.status_code == 200, cancelled.text
    assert (referral["status"], referral["reason"]) == ("cancelled", "Familien fant bolig selv.")


@pytest.mark.parametrize(
    ("path", "invalid"),
    [
        pytest.param([], "accepted", id="proposed-to-accepted"),
        pytest.param([], "completed", id="proposed-to-completed"),
        pytest.param(["sent"], "in_progress", id="sent-to-in_progress"),
        pytest.param(["sent"], "sent", id="sent-to-sent"),
        pytest.param(["sent", "accepted"], "declined", id="accepted-to-declined"),
        pytest.param(["sent", "accepted", "in_progress"], "proposed", id="back-to-proposed"),
        pytest.param(["sent", "declined"], "accepted", id="declined-is-closed"),
        pytest.param(["cancelled"], "sent", id="cancelled-is-closed"),
    ],
)
def test_invalid_transitions_are_422(
    client: TestClient, session: Session, settings: Settings, path: list[str], invalid: str
) -> None:
    world = build_world(session, settings)
    service = make_service(session, world.unit_b)
    session.commit()
    referral = refer(client, world, {"service_id": str(service.id)}).json()
    for status in path:
        response = move(client, world, "lead", referral, status=status, reason="Begrunnelse.")
        assert response.status_code == 200, response.text
    version = referral["version"]

    response = move(
        client, world, "lead", referral, status=invalid, reason="Begrunnelse.", outcome="got_help"
    )

    assert response.status_code == 422, response.text
    assert "status" in [e["field"] for e in response.json()["errors"]]
    assert referral["version"] == version
    events = session.scalar(
        select(func.count())
        .select_from(ReferralEvent)
        .where(ReferralEvent.referral_id == uuid.UUID(referral["id"]))
    )
    assert events == len(path) + 1


def test_provider_unit_may_not_send_or_cancel(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    service = make_service(session, world.unit_b)
    session.commit()
    proposed = refer(client, world, {"service_id": str(service.id)}).json()
    sent = world_referral(world)

    send = move(client, world, "consented", proposed, status="sent")
    cancel = move(client, world, "consented", sent, status="cancelled", reason="Ikke kapasitet.")

    assert send.status_code == 403
    assert cancel.status_code == 403
    assert (proposed["status"], proposed["version"]) == ("proposed", 1)
    assert move(client, world, "consented", sent, status="accepted").status_code == 200


def test_a_unit_answers_only_referrals_to_its_own_services(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    elsewhere = make_service(session, world.unit_c)
    session.commit()
    referral = refer(client, world, {"service_id": str(elsewhere.id)}).json()
    assert move(client, world, "lead", referral, status="sent").status_code == 200

    response = move(client, world, "consented", referral, status="accepted")

    assert response.status_code == 403
    assert referral["status"] == "sent"


def test_only_the_lead_side_touches_a_referral_outside_the_catalogue(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    referral = refer(client, world, {"external_service_name": "Frivilligsentralen"}).json()

    by_consented = move(client, world, "consented", referral, status="sent")
    by_other = move(client, world, "other_unit", referral, status="sent")
    by_same_unit = move(client, world, "same_unit", referral, status="sent")
    accepted = move(client, world, "lead", referral, status="accepted")

    assert by_consented.status_code == 403
    assert by_other.status_code == 404
    assert by_same_unit.status_code == 200, by_same_unit.text
    assert accepted.status_code == 200, accepted.text
    assert referral["status"] == "accepted"


def test_referral_patch_needs_the_current_version(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    url = f"/api/v1/referrals/{world.referral.id}"

    missing = client.patch(url, json={"status": "accepted"}, headers=world.headers["consented"])
    stale = client.patch(
        url,
        json={"status": "accepted"},
        headers={**world.headers["consented"], "If-Match": f'"{world.referral.version - 1}"'},
    )

    assert missing.status_code == 428
    assert stale.status_code == 412
    session.expire_all()
    referral = session.get(Referral, world.referral.id)
    assert referral is not None
    assert referral.status.value == "sent"


def test_suggestions_put_first_the_services_someone_in_the_household_may_use(
    client: TestClient, session: Session, settings: Settings, signed_in: SignedIn
) -> None:
    """A 14-year-old's school absence: a service for 15 to 21 is not offered first, and says
    why it comes later (issue 13)."""
    world = build_world(session, settings)
    family = session.get_one(Family, world.family.id)
    this_year = local_today().year
    family.household_children_birth_years = [this_year - 14]
    family.household_adults = 1
    need = session.get_one(Need, world.need.id)
    need.domain = "utdanning"
    need.indicators = []
    # Only this test's services are on offer, so the list is theirs to rank.
    session.execute(update(Service).values(status=ServiceStatus.inactive))

    def school_service(name: str, ages: tuple[int | None, int | None]) -> None:
        service = catalogue_entry(session, world, name, domains=["utdanning"], indicators=[])
        service.minimum_age, service.maximum_age = ages

    school_service("Ungdomslos 15–21", (15, 21))
    school_service("Elevtjenesten 6–16", (6, 16))
    school_service("Familiesenteret", (None, None))
    school_service("Småbarnstreff 0–5", (0, 5))
    session.commit()

    response = client.get(f"/api/v1/needs/{need.id}/suggestions", headers=world.headers["lead"])

    assert response.status_code == 200, response.text
    fits = {s["service"]["name"]: s["age_fit"] for s in response.json()}
    order = [s["service"]["name"] for s in response.json()]
    assert fits["Elevtjenesten 6–16"] == "fits"
    assert fits["Familiesenteret"] == "no_age_limit"
    assert fits["Ungdomslos 15–21"] == "adult_maybe"  # only if the grown-up is that young
    assert fits["Småbarnstreff 0–5"] == "nobody"
    for usable in ("Elevtjenesten 6–16", "Familiesenteret"):
        assert (
            order.index(usable) < order.index("Ungdomslos 15–21") < order.index("Småbarnstreff 0–5")
        )
    assert all(
        {"fits": 0, "no_age_limit": 0, "adult_maybe": 1, "nobody": 2}[s["age_fit"]]
        <= {"fits": 0, "no_age_limit": 0, "adult_maybe": 1, "nobody": 2}[t["age_fit"]]
        for s, t in zip(response.json(), response.json()[1:], strict=False)
    )
    # The page says why the last ones come last.
    shown = page(signed_in(world.lead, language="en").get(f"/needs/{need.id}/suggestions"))
    notes = {
        item.one(".suggestion-name").text: item.one('[data-testid="age-note"]').text
        for item in shown.all('[data-testid="suggestion"]')
        if item.has('[data-testid="age-note"]')
    }
    assert notes == {
        "Ungdomslos 15–21": "For ages 15 to 21. It fits only if a grown-up in the family is of "
        "that age, so it comes after the others.",
        "Småbarnstreff 0–5": "For ages 0 to 5. No one in the family is of that age, so it comes "
        "last.",
    }
