"""The coordinator's report pages: the tables she reads, the dashes where numbers are hidden,
the CSV she downloads, the print version for the council, and the doors closed to everyone
else."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Barrier
from app.models.enums import BarrierCategory, BarrierStatus, ResponsibleLevel, Role
from tests.accounts.test_pages import sign_in
from tests.factories import PASSWORD, make_unit, make_user
from tests.reports.test_reports_api import Office, _seed_needs

NEEDS_BY_MUNICIPALITY = "/reports/needs?rows=domain&columns=municipality"
FAMILIES_CAPTION = "Families: life domain × municipality"
HIDDEN = "–"


class Tables(HTMLParser):
    """The tables of a page as a sighted reader sees them: {caption: rows of cell texts},
    without the words kept for screen readers only (class "visually-hidden")."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] = []
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None
        self._hidden_depth = 0
        self._depth = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._depth += 1
        if self._hidden_depth == 0 and "visually-hidden" in (dict(attrs).get("class") or ""):
            self._hidden_depth = self._depth
        if tag == "table":
            self._rows = []
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._hidden_depth == self._depth:
            self._hidden_depth = 0
        self._depth -= 1
        if tag == "caption" and self._caption is not None:
            self._current = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self.tables[self._current] = self._rows

    def handle_data(self, data: str) -> None:
        if self._hidden_depth:
            return
        if self._caption is not None:
            self._caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def cells(rows: list[list[str]]) -> dict[tuple[str, str], str]:
    """{(row heading, column heading): text} of a two-way table."""
    header = rows[0]
    return {(row[0], header[i]): text for row in rows[1:] for i, text in enumerate(row) if i}


@pytest.fixture
def office(client: TestClient, session: Session, settings: Settings) -> Office:
    return Office(client, session, settings)


def signed_in(client: TestClient, session: Session, role: Role) -> None:
    user = make_user(session, role=role, units=[make_unit(session)])
    session.commit()
    client.cookies.set("duk_lang", "en")
    sign_in(client, user.username, PASSWORD)


def test_coordinator_reads_need_patterns_as_a_table_with_dashes_where_numbers_are_hidden(
    office: Office, session: Session
) -> None:
    _seed_needs(office)
    signed_in(office.client, session, Role.coordinator)

    page = office.client.get(NEEDS_BY_MUNICIPALITY)

    assert page.status_code == 200, page.text
    table = cells(Tables(page.text).tables[FAMILIES_CAPTION])
    assert table[("Housing", "Fredrikstad")] in ("5", "10")  # six families, rounded
    assert table[("Health", "Fredrikstad")] in ("5", "10")  # seven
    assert table[("Money and debt", "Halden")] == "5"
    assert table[("Housing", "Sarpsborg")] == HIDDEN  # two families: never shown
    assert table[("Total", "Total")] == "50"
    hidden = [cell for cell, text in table.items() if text == HIDDEN]
    assert hidden == [("Housing", "Sarpsborg")]
    assert all(
        int(text) % 5 == 0 for text in table.values() if text not in (HIDDEN,) and text.isdigit()
    )
    assert "hidden to protect privacy (fewer than 5)" in page.text
    assert "rounded to a multiple of 5" in page.text
    assert '<svg class="chart" role="img"' in page.text


def test_the_csv_download_holds_the_same_cells_as_the_table(
    office: Office, session: Session
) -> None:
    _seed_needs(office)
    signed_in(office.client, session, Role.coordinator)
    page = office.client.get(NEEDS_BY_MUNICIPALITY)
    table = cells(Tables(page.text).tables[FAMILIES_CAPTION])
    names = {"bolig": "Housing", "okonomi": "Money and debt", "helse": "Health"}
    places = {"3107": "Fredrikstad", "3105": "Sarpsborg", "3101": "Halden", "total": "Total"}

    download = office.client.get("/reports/needs.csv?rows=domain&columns=municipality")

    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in download.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(download.text)))
    assert len(lines) == len(table)
    for line in lines:
        shown = table[(names.get(line["domain"], "Total"), places[line["municipality_code"]])]
        assert shown == (HIDDEN if line["suppressed"] == "true" else line["families"])


def test_the_print_version_has_the_period_the_date_and_k_and_no_navigation(
    office: Office, session: Session
) -> None:
    _seed_needs(office)
    signed_in(office.client, session, Role.coordinator)

    page = office.client.get("/reports/needs/print?rows=domain&columns=municipality&from=2020")

    assert page.status_code == 200, page.text
    assert "<h1>Need patterns</h1>" in page.text
    assert "2020" in page.text
    assert "Smallest number shown (k)" in page.text
    assert 'aria-label="Main"' not in page.text
    assert FAMILIES_CAPTION in Tables(page.text).tables


def test_every_report_page_opens_for_a_coordinator_with_no_data_yet(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session, Role.coordinator)

    for path in ("/reports", "/reports/gaps", "/reports/outcomes", "/reports/barriers"):
        page = client.get(path)

        assert page.status_code == 200, f"{path}: {page.text}"
        assert "<h1>" in page.text


def test_a_choice_the_report_does_not_take_shows_the_form_again_with_422(
    client: TestClient, session: Session
) -> None:
    signed_in(client, session, Role.coordinator)

    for query in ("rows=name", "rows=domain&columns=domain", "from=last-week", "from=2026&to=2025"):
        page = client.get(f"/reports/needs?{query}")

        assert page.status_code == 422, f"{query}: {page.text}"
        assert "This report cannot be made with these choices." in page.text
        assert 'aria-invalid="true"' in page.text
        assert "<table" not in page.text


@pytest.mark.parametrize("role", [Role.caseworker, Role.reviewer, Role.admin])
def test_only_coordinators_may_open_reports(
    client: TestClient, session: Session, role: Role
) -> None:
    signed_in(client, session, role)

    for path in ("/reports", "/reports/needs", "/reports/needs.csv", "/reports/needs/print"):
        page = client.get(path)

        assert page.status_code == 403, path
        assert "text/csv" not in page.headers["content-type"]


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client: TestClient) -> None:
    page = client.get("/reports/needs", follow_redirects=False)

    assert page.status_code in (302, 303)
    assert page.headers["location"].startswith("/login?next=")


def test_a_coordinator_starts_on_the_reports(client: TestClient, session: Session) -> None:
    signed_in(client, session, Role.coordinator)

    home = client.get("/", follow_redirects=False)

    assert home.status_code == 303
    assert home.headers["location"] == "/reports"


def test_an_unknown_report_is_not_found(client: TestClient, session: Session) -> None:
    signed_in(client, session, Role.coordinator)

    assert client.get("/reports/people").status_code == 404


def test_the_barrier_report_shows_each_approved_text_once_and_no_pending_text(
    client: TestClient, session: Session
) -> None:
    author = make_user(session, units=[make_unit(session)])
    approved = "Bostøtteregelverket tar ikke hensyn til delt bosted."
    pending = "Venteliste for kommunal bolig er lang."
    for municipality, status, text in [
        *((m, BarrierStatus.approved, approved) for m in ("3107", "3105", "3101")),
        ("3107", BarrierStatus.pending, pending),
    ]:
        session.add(
            Barrier(
                category=BarrierCategory.regulation,
                domain="bolig",
                responsible_level=ResponsibleLevel.national,
                text=text,
                municipality_code=municipality,
                status=status,
                created_by_id=author.id,
            )
        )
    signed_in(client, session, Role.coordinator)

    page = client.get("/reports/barriers")

    assert page.status_code == 200, page.text
    assert page.text.count(approved) == 1
    assert pending not in page.text
