"""The coordinator's report pages: the tables she reads, the dashes where numbers are hidden,
the CSV she downloads, the print version for the council, and the doors closed to everyone
else."""

from __future__ import annotations

import csv
import io

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Barrier
from app.models.enums import BarrierCategory, BarrierStatus, ResponsibleLevel, Role
from tests.factories import make_unit, make_user
from tests.html import page
from tests.pages import PageClient, SignedIn
from tests.reports.test_reports_api import Office, _seed_needs

NEEDS_BY_MUNICIPALITY = "/reports/needs?rows=domain&columns=municipality"
FAMILIES_CAPTION = "Families: life domain × municipality"
HIDDEN = "–"
SCREEN_READERS_ONLY = ".visually-hidden"


def tables(response: httpx2.Response) -> dict[str, list[list[str]]]:
    """The tables of a page as a sighted reader sees them: {caption: rows of cell texts},
    without the words kept for screen readers only."""
    return {
        table.one("caption").text_without(SCREEN_READERS_ONLY): table.rows(
            without=SCREEN_READERS_ONLY
        )
        for table in page(response).all("table")
        if table.has("caption")
    }


def cells(rows: list[list[str]]) -> dict[tuple[str, str], str]:
    """{(row heading, column heading): text} of a two-way table."""
    header = rows[0]
    return {(row[0], header[i]): text for row in rows[1:] for i, text in enumerate(row) if i}


@pytest.fixture
def office(client: TestClient, session: Session, settings: Settings) -> Office:
    return Office(client, session, settings)


def browser_of(signed_in: SignedIn, session: Session, role: Role) -> PageClient:
    """A new user with ``role``, signed in, reading English."""
    user = make_user(session, role=role, units=[make_unit(session)])
    session.commit()
    return signed_in(user, language="en")


def test_coordinator_reads_need_patterns_as_a_table_with_dashes_where_numbers_are_hidden(
    office: Office, signed_in: SignedIn, session: Session
) -> None:
    _seed_needs(office)
    browser = browser_of(signed_in, session, Role.coordinator)

    response = browser.get(NEEDS_BY_MUNICIPALITY)

    assert response.status_code == 200, response.text
    table = cells(tables(response)[FAMILIES_CAPTION])
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
    assert "hidden to protect privacy (fewer than 5)" in response.text
    assert "rounded to a multiple of 5" in response.text
    assert page(response).has('svg.chart[role="img"]')


def test_the_csv_download_holds_the_same_cells_as_the_table(
    office: Office, signed_in: SignedIn, session: Session
) -> None:
    _seed_needs(office)
    browser = browser_of(signed_in, session, Role.coordinator)
    table = cells(tables(browser.get(NEEDS_BY_MUNICIPALITY))[FAMILIES_CAPTION])
    names = {"bolig": "Housing", "okonomi": "Money and debt", "helse": "Health"}
    places = {"3107": "Fredrikstad", "3105": "Sarpsborg", "3101": "Halden", "total": "Total"}

    download = browser.get("/reports/needs.csv?rows=domain&columns=municipality")

    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in download.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(download.text)))
    assert len(lines) == len(table)
    for line in lines:
        shown = table[(names.get(line["domain"], "Total"), places[line["municipality_code"]])]
        assert shown == (HIDDEN if line["suppressed"] == "true" else line["families"])


def test_the_print_version_has_the_period_the_date_and_k_and_no_navigation(
    office: Office, signed_in: SignedIn, session: Session
) -> None:
    _seed_needs(office)
    browser = browser_of(signed_in, session, Role.coordinator)

    response = browser.get("/reports/needs/print?rows=domain&columns=municipality&from=2020")

    assert response.status_code == 200, response.text
    printed = page(response)
    assert printed.one("h1").text == "Need patterns"
    assert "2020" in printed.text
    assert "Smallest number shown (k)" in printed.text
    assert not printed.has('[aria-label="Main"]')
    assert FAMILIES_CAPTION in tables(response)


def test_every_report_page_opens_for_a_coordinator_with_no_data_yet(
    signed_in: SignedIn, session: Session
) -> None:
    browser = browser_of(signed_in, session, Role.coordinator)

    for path in ("/reports", "/reports/gaps", "/reports/outcomes", "/reports/barriers"):
        response = browser.get(path)

        assert response.status_code == 200, f"{path}: {response.text}"
        assert page(response).one("h1").text, path


def test_a_choice_the_report_does_not_take_shows_the_form_again_with_422(
    signed_in: SignedIn, session: Session
) -> None:
    browser = browser_of(signed_in, session, Role.coordinator)

    for query in ("rows=name", "rows=domain&columns=domain", "from=last-week", "from=2026&to=2025"):
        response = browser.get(f"/reports/needs?{query}")

        assert response.status_code == 422, f"{query}: {response.text}"
        refused = page(response)
        assert "This report cannot be made with these choices." in refused.text
        assert refused.has('[aria-invalid="true"]'), query
        assert not refused.has("table"), query


@pytest.mark.parametrize("role", [Role.caseworker, Role.reviewer, Role.admin])
def test_only_coordinators_may_open_reports(
    signed_in: SignedIn, session: Session, role: Role
) -> None:
    browser = browser_of(signed_in, session, role)

    for path in ("/reports", "/reports/needs", "/reports/needs.csv", "/reports/needs/print"):
        response = browser.get(path)

        assert response.status_code == 403, path
        assert "text/csv" not in response.headers["content-type"]


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/reports/needs", follow_redirects=False)

    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/login?next=")


def test_a_coordinator_starts_on_the_reports(signed_in: SignedIn, session: Session) -> None:
    browser = browser_of(signed_in, session, Role.coordinator)

    home = browser.get("/", follow_redirects=False)

    assert home.status_code == 303
    assert home.headers["location"] == "/reports"


def test_an_unknown_report_is_not_found(signed_in: SignedIn, session: Session) -> None:
    browser = browser_of(signed_in, session, Role.coordinator)

    assert browser.get("/reports/people").status_code == 404


def test_the_barrier_report_shows_each_approved_text_once_and_no_pending_text(
    signed_in: SignedIn, session: Session
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
    browser = browser_of(signed_in, session, Role.coordinator)

    response = browser.get("/reports/barriers")

    assert response.status_code == 200, response.text
    assert response.text.count(approved) == 1
    assert pending not in response.text
