"""What a coordinator gets from a database's reports: how many numbers are published and how
many hidden, over every report, every grouping the API takes and every quarter and year.

    DUK_DATABASE_URL=sqlite:///./duk.db .venv/bin/python bench/report_cells.py

Counts every cell and total of every table, for the count the protection works on (families;
barriers for the barrier register). Used to show what a change to the protection costs in
published numbers (issue 9's closing note).
"""

from __future__ import annotations

import itertools
import sys
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from app.access.actor import Actor  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_session_factory  # noqa: E402
from app.models import Need  # noqa: E402
from app.models.enums import Role  # noqa: E402
from app.reports import service as report_service  # noqa: E402
from app.reports.protection import protection_for  # noqa: E402
from app.reports.query import MAX_DIMENSIONS, REPORT_DIMENSIONS, ReportName, parse_query  # noqa: E402
from app.reports.tables import table_lines  # noqa: E402


def groupings(report: ReportName) -> list[str]:
    dims = sorted(d.value for d in REPORT_DIMENSIONS[report])
    out: list[str] = list(dims)
    if MAX_DIMENSIONS[report] == 2:
        out += [f"{a},{b}" for a, b in itertools.permutations(dims, 2)]
    return out


def main() -> None:
    settings = Settings()
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    actor = Actor(uuid.uuid4(), "bench", "Bench", Role.coordinator, ())
    protection = protection_for(settings)
    with factory() as session:
        first, last = session.execute(
            select(func.min(Need.created_at), func.max(Need.created_at))
        ).one()
        periods: list[str | None] = [None]
        for year in range(first.year, last.year + 1):
            periods.append(str(year))
            periods += [f"{year}-Q{q}" for q in range(1, 5)]
        totals: Counter[str] = Counter()
        for report in ReportName:
            counts: Counter[str] = Counter()
            for group_by in groupings(report):
                for period in periods:
                    query = parse_query(
                        report, group_by=group_by, period_from=period, period_to=period
                    )
                    built = report_service.build_report(session, actor, query, protection)
                    for table in built.tables:
                        for _dims, cell in table_lines(table):
                            counts["hidden" if cell.suppressed else "published"] += 1
            share = counts["published"] / max(1, sum(counts.values()))
            print(
                f"{report.value:9} published {counts['published']:6}  hidden {counts['hidden']:6}"
                f"  ({share:.0%} published)"
            )
            totals.update(counts)
        share = totals["published"] / max(1, sum(totals.values()))
        print(
            f"{'all':9} published {totals['published']:6}  hidden {totals['hidden']:6}"
            f"  ({share:.0%} published)"
        )


if __name__ == "__main__":
    main()
