"""The service-gap report counts what the family or a service decided, never a caseworker's
mistake (issue 13; DESIGN §3, Corrections): a need whose only referral was entered in error is
still a need no service was found for."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from tests.factories import make_service, make_unit
from tests.reports.test_reports_api import API, Office

Json = dict[str, Any]


def _needs(office: Office, count: int) -> list[str]:
    """``count`` families in 3107, each with one housing need: the need ids."""
    ids: list[str] = []
    for n in range(count):
        family = office.client.post(
            f"{API}/families",
            headers=office.caseworker,
            json={
                "display_name": f"Familien {n}",
                "municipality_code": "3107",
                "language": "nb",
                "household": {"adults": 2, "children_birth_years": [], "single_parent": False},
            },
        ).json()
        canvas = office.client.post(
            f"{API}/families/{family['id']}/canvases",
            headers=office.caseworker,
            json={"template_key": "familie"},
        ).json()
        need = office.client.post(
            f"{API}/canvases/{canvas['id']}/needs",
            headers=office.caseworker,
            json={"domain": "bolig", "text": "Et tørt sted å bo.", "priority": 1},
        )
        assert need.status_code == 201, need.text
        ids.append(need.json()["id"])
    return ids


def _refer_and_cancel(office: Office, need_id: str, service_id: str, outcome: str) -> Json:
    referral = office.client.post(
        f"{API}/needs/{need_id}/referrals",
        headers=office.caseworker,
        json={"service_id": service_id},
    ).json()
    cancelled = office.client.patch(
        f"{API}/referrals/{referral['id']}",
        headers={**office.caseworker, "If-Match": f'"{referral["version"]}"'},
        json={
            "status": "cancelled",
            "reason": "Feil tjeneste, valgt i hastverk.",
            "outcome": outcome,
        },
    )
    assert cancelled.status_code == 200, cancelled.text
    body: Json = cancelled.json()
    return body


def test_the_gap_report_is_unchanged_by_referrals_cancelled_as_entered_in_error(
    client: TestClient, session: Session, settings: Settings
) -> None:
    office = Office(client, session, settings)
    service = make_service(session, make_unit(session), domains=["bolig"])
    session.commit()
    need_ids = _needs(office, 12)
    before = office.report("gaps", group_by="domain")

    for need_id in need_ids:
        _refer_and_cancel(office, need_id, str(service.id), "entered_in_error")

    assert office.report("gaps", group_by="domain") == before


def test_a_cancelled_referral_keeps_the_reason_and_outcome_exactly_as_given(
    client: TestClient, session: Session, settings: Settings
) -> None:
    office = Office(client, session, settings)
    service = make_service(session, make_unit(session), domains=["bolig"])
    session.commit()
    [first, second] = _needs(office, 2)

    in_error = _refer_and_cancel(office, first, str(service.id), "entered_in_error")
    plain = office.client.post(
        f"{API}/needs/{second}/referrals",
        headers=office.caseworker,
        json={"service_id": str(service.id)},
    ).json()
    no_outcome = office.client.patch(
        f"{API}/referrals/{plain['id']}",
        headers={**office.caseworker, "If-Match": f'"{plain["version"]}"'},
        json={"status": "cancelled", "reason": "Vi venter til etter sommeren."},
    ).json()

    assert (in_error["reason"], in_error["outcome"]) == (
        "Feil tjeneste, valgt i hastverk.",
        "entered_in_error",
    )
    # No outcome given, none recorded: not "the family no longer wanted it".
    assert (no_outcome["reason"], no_outcome["outcome"]) == ("Vi venter til etter sommeren.", None)


def test_only_a_cancellation_can_say_entered_in_error(
    client: TestClient, session: Session, settings: Settings
) -> None:
    office = Office(client, session, settings)
    service = make_service(session, make_unit(session), domains=["bolig"])
    session.commit()
    [need_id] = _needs(office, 1)
    referral = office.client.post(
        f"{API}/needs/{need_id}/referrals",
        headers=office.caseworker,
        json={"service_id": str(service.id)},
    ).json()
    sent = office.client.patch(
        f"{API}/referrals/{referral['id']}",
        headers={**office.caseworker, "If-Match": f'"{referral["version"]}"'},
        json={"status": "sent"},
    ).json()

    declined = office.client.patch(
        f"{API}/referrals/{referral['id']}",
        headers={**office.caseworker, "If-Match": f'"{sent["version"]}"'},
        json={"status": "declined", "reason": "Ikke aktuelt.", "outcome": "entered_in_error"},
    )

    # A declined referral is a service's answer, never an error of ours.
    assert declined.status_code == 422, declined.text
    assert [e["field"] for e in declined.json()["errors"]] == ["outcome"]


def test_needs_entered_in_error_are_counted_in_no_report(
    client: TestClient, session: Session, settings: Settings
) -> None:
    # Run on SQLite and on PostgreSQL alike (the whole suite runs on both): each builds its
    # report with its own SQL (app/reports/sql.py).
    office = Office(client, session, settings)
    _needs(office, 6)
    before = {
        f"{name} by {group_by}": office.report(name, group_by=group_by)
        for name, group_by in (("needs", "domain"), ("needs", "municipality"), ("gaps", "domain"))
    }

    for need_id in _needs(office, 7):
        marked = office.client.patch(
            f"{API}/needs/{need_id}",
            headers={**office.caseworker, "If-Match": '"1"'},
            json={"status": "entered_in_error", "reason": "Registrert på feil familie."},
        )
        assert marked.status_code == 200, marked.text

    after = {
        f"{name} by {group_by}": office.report(name, group_by=group_by)
        for name, group_by in (("needs", "domain"), ("needs", "municipality"), ("gaps", "domain"))
    }
    assert after == before
    [bolig] = [row for row in after["needs by domain"]["rows"] if row["domain"] == "bolig"]
    assert bolig["families"] in (5, 10)  # six families, rounded to a multiple of k: not 13
