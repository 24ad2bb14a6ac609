"""Need-pattern report benchmark behind the reporting bar of DESIGN §9.

Starts a throwaway PostgreSQL (tests/pg_server.py), migrates it, bulk-loads 200,000 families
and 1,000,000 needs (with their indicator codes) by COPY across Fredrikstad (3107), Sarpsborg
(3105), Halden (3101) and Indre Østfold (3118), four household types' worth of families, eight
domains and two calendar years, runs ANALYZE, then times, interleaved in the same run:

- the need-pattern report through the service (``report_service.build_report``,
  ``group_by=domain,municipality`` for one year: query, totals, suppression, result objects);
- the hand-written SQL it rests on: the same GROUP BY CUBE (cells, row and column totals and the
  grand total in one statement), fetched with psycopg;
- for context, the plain GROUP BY of the cells alone.

Targets: the service under 1 s, and within 1.5× of the hand-written SQL (ratio of medians).

    .venv/bin/python bench/reports.py                   the full size (about a minute to load)
    .venv/bin/python bench/reports.py --families 20000 --needs 100000     a quick run
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# tests/ is not an installed package; the benchmark borrows its PostgreSQL helper.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.access.actor import Actor  # noqa: E402
from app.db import make_engine, make_session_factory, session_scope  # noqa: E402
from app.models import CanvasTemplate  # noqa: E402
from app.models.enums import Role  # noqa: E402
from app.reports import service as report_service  # noqa: E402
from app.reports.protection import Protection  # noqa: E402
from app.reports.query import ReportName, parse_query  # noqa: E402
from app.reports.tables import Report  # noqa: E402
from tests.conftest import prepare_database  # noqa: E402
from tests.factories import make_unit, make_user  # noqa: E402
from tests.pg_server import temporary_postgres  # noqa: E402

MUNICIPALITIES = ("3107", "3105", "3101", "3118")
MUNICIPALITY_WEIGHTS = (0.42, 0.29, 0.16, 0.13)
DOMAINS = {
    "bolig": ("bolig.trangbodd", "bolig.midlertidig", "bolig.husleierestanse"),
    "okonomi": ("okonomi.gjeld", "okonomi.sosialhjelp", "okonomi.inkasso"),
    "arbeid": ("arbeid.voksne_utenfor_arbeid", "arbeid.ung_utenfor"),
    "utdanning": ("utdanning.hoyt_fravaer", "utdanning.laerevansker"),
    "helse": ("helse.psykisk_belastning", "helse.kronisk_sykdom"),
    "fritid": ("fritid.barn_uten_aktivitet", "fritid.kostnad_hindrer"),
    "familie_nettverk": ("familie_nettverk.lite_nettverk", "familie_nettverk.konflikt"),
    "sprak_integrering": ("sprak_integrering.sprakbarriere", "sprak_integrering.trenger_tolk"),
}
YEAR = 2026
START = datetime(YEAR - 1, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int((datetime(YEAR + 1, 1, 1, tzinfo=UTC) - START).total_seconds())

HAND_WRITTEN_CUBE = """
SELECT n.domain, n.municipality_code, grouping(n.domain, n.municipality_code),
       count(DISTINCT n.family_id), count(*)
FROM need n
WHERE n.status = 'active' AND n.created_at >= %(start)s AND n.created_at < %(end)s
GROUP BY CUBE (n.domain, n.municipality_code)
"""
HAND_WRITTEN_CELLS = """
SELECT n.domain, n.municipality_code, count(DISTINCT n.family_id), count(*)
FROM need n
WHERE n.status = 'active' AND n.created_at >= %(start)s AND n.created_at < %(end)s
GROUP BY n.domain, n.municipality_code
"""


def load(url: str, families: int, needs: int, seed: int) -> None:
    engine = make_engine(url)
    prepare_database(engine)
    factory = make_session_factory(engine)
    for session in session_scope(factory):
        unit = make_unit(session, slug="bench-nav", name="NAV Benk")
        lead = make_user(session, units=[unit], username="benk")
        template_id = session.scalars(select(CanvasTemplate.id).limit(1)).one()
        unit_id, lead_id = unit.id, lead.id
    engine.dispose()

    rng = random.Random(seed)
    started = time.perf_counter()
    family_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(families)]
    canvas_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(families)]
    municipality_of = [
        rng.choices(MUNICIPALITIES, MUNICIPALITY_WEIGHTS)[0] for _ in range(families)
    ]
    now = datetime.now(UTC)
    with psycopg.connect(_libpq(url)) as connection, connection.cursor() as cursor:
        with cursor.copy(
            "COPY family (id, display_name, municipality_code, language, household_adults,"
            " household_children_birth_years, household_single_parent, household_type,"
            " plan_lead_id, lead_unit_id, status, created_at, version) FROM STDIN"
        ) as copy:
            for family_id, municipality in zip(family_ids, municipality_of, strict=True):
                children = rng.choice((0, 1, 1, 2, 2, 3))
                single = children > 0 and rng.random() < 0.3
                household_type = (
                    "without_children"
                    if children == 0
                    else "single_parent"
                    if single
                    else "couple_with_children"
                )
                copy.write_row(
                    (
                        family_id,
                        "Familien Benk",
                        municipality,
                        "nb",
                        1 if single else 2,
                        str([2010 + rng.randrange(15) for _ in range(children)]),
                        single,
                        household_type,
                        lead_id,
                        unit_id,
                        "active",
                        now,
                        1,
                    )
                )
        with cursor.copy(
            "COPY canvas (id, family_id, template_id, status, version, what_matters,"
            " participants, created_by_id, created_at, updated_at) FROM STDIN"
        ) as copy:
            for canvas_id, family_id in zip(canvas_ids, family_ids, strict=True):
                copy.write_row(
                    (canvas_id, family_id, template_id, "draft", 1, "", "[]", lead_id, now, now)
                )
        domain_keys = list(DOMAINS)
        with (
            cursor.copy(
                "COPY need (id, canvas_id, family_id, domain, municipality_code, text, priority,"
                " indicators, status,"
                " created_by_id, created_at, version) FROM STDIN"
            ) as copy,
        ):
            indicator_rows: list[tuple[uuid.UUID, str]] = []
            for _ in range(needs):
                need_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                f = rng.randrange(families)
                domain = rng.choice(domain_keys)
                codes = rng.sample(DOMAINS[domain], rng.choice((0, 1, 1, 2)))
                created_at = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
                copy.write_row(
                    (
                        need_id,
                        canvas_ids[f],
                        family_ids[f],
                        domain,
                        municipality_of[f],
                        "Benk",
                        rng.randint(1, 3),
                        "[" + ",".join(f'"{c}"' for c in codes) + "]",
                        "active",
                        lead_id,
                        created_at,
                        1,
                    )
                )
                indicator_rows.extend((need_id, code) for code in codes)
        with cursor.copy("COPY need_indicator (need_id, code) FROM STDIN") as copy:
            for row in indicator_rows:
                copy.write_row(row)
        connection.commit()
        connection.autocommit = True
        cursor.execute("ANALYZE")
    print(
        f"loaded {families:,} families, {needs:,} needs and {len(indicator_rows):,} indicator"
        f" codes in {time.perf_counter() - started:.1f} s (COPY, then ANALYZE)"
    )


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(url: str, repetitions: int) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    coordinator = Actor(uuid.uuid4(), "koordinator", "Koordinator", Role.coordinator, ())
    query = parse_query(
        ReportName.needs, group_by="domain,municipality", period_from=str(YEAR), period_to=str(YEAR)
    )
    bounds = {
        "start": datetime(YEAR, 1, 1, tzinfo=UTC),
        "end": datetime(YEAR + 1, 1, 1, tzinfo=UTC),
    }
    times: dict[str, list[float]] = {"service": [], "sql_cube": [], "sql_cells": []}
    protection = Protection.for_installation(5, "the benchmark's secret")
    with factory() as session, psycopg.connect(_libpq(url)) as connection:
        report = report_service.build_report(session, coordinator, query, protection)  # warm-up
        session.rollback()
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN_CUBE, bounds)
            hand = cursor.fetchall()
        _same_numbers(report, hand)

        def service() -> None:
            report_service.build_report(session, coordinator, query, protection)
            session.rollback()

        def sql(statement: str) -> Callable[[], None]:
            def run() -> None:
                with connection.cursor() as cursor:
                    cursor.execute(statement, bounds)
                    cursor.fetchall()
                connection.rollback()

            return run

        for _ in range(repetitions):  # interleaved, so drift on a shared machine hits all three
            times["service"].append(timed(service))
            times["sql_cube"].append(timed(sql(HAND_WRITTEN_CUBE)))
            times["sql_cells"].append(timed(sql(HAND_WRITTEN_CELLS)))
    engine.dispose()

    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["service"] / medians["sql_cube"]
    print(f"\nneed-pattern report, group_by=domain,municipality, {YEAR}, {repetitions} runs each")
    print(f"  service (query + totals + protection) median {medians['service'] * 1000:8.1f} ms")
    print(f"  hand-written SQL, GROUP BY CUBE       median {medians['sql_cube'] * 1000:8.1f} ms")
    print(f"  hand-written SQL, cells only           median {medians['sql_cells'] * 1000:8.1f} ms")
    print(f"  ratio service / SQL (CUBE)             {ratio:8.2f}×")
    print(f"  target: under 1 s ........................ {_verdict(medians['service'] < 1.0)}")
    print(f"  target: within 1.5× of the SQL ........... {_verdict(ratio <= 1.5)}")


def _same_numbers(report: Report, hand: list[tuple[object, ...]]) -> None:
    """The service must rest on the very numbers the hand-written SQL gives: its published
    total is the SQL's, rounded to a multiple of the base (app/reports/protection.py)."""
    table = report.table("needs")
    total = next(row for row in hand if row[2] == 3)
    for measure, true in (("families", total[3]), ("needs", total[4])):
        shown = table.total[measure]
        if shown is not None and abs(int(shown) - int(str(true))) >= report.k:
            raise SystemExit(f"the service's total {table.total} differs from the SQL's {total}")


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=200_000)
    parser.add_argument("--needs", type=int, default=1_000_000)
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    with temporary_postgres() as url:
        load(url, args.families, args.needs, args.seed)
        measure(url, args.repetitions)


if __name__ == "__main__":
    main()
