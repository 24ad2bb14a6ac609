"""Anonymised reports for coordinators (DESIGN §7): need patterns, service gaps, outcomes and
barriers, built from structured fields only and always passed through small-cell suppression.

A report is a set of tables. Every table counts *families* (barriers: barriers) per cell of a
row dimension and an optional column dimension, with row, column and grand totals; the counts go
through ``app.reports.protection`` (small counts hidden, every other count rounded by its cell
key) and every other measure of a cell (needs, referrals, a median) is hidden exactly when its
cell is. The JSON API, the CSV download and the pages' charts all read the same ``Report``, so
none of them can publish what the others hide.

A report is made in stages, a module each beside this one: ``query`` (what may be asked),
``sql`` (facts counted into grids), ``builders`` (the four reports) and ``tables`` (grids
published as suppressed tables). This module is the one way in, so that no report is built
without the coordinator check; it writes the CSV download too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import can_read_reports
from app.kit.errors import Forbidden
from app.kit.i18n import N_
from app.reports.builders import BUILDERS, approved_texts
from app.reports.protection import Protection
from app.reports.query import ReportName, ReportQuery
from app.reports.tables import Report, dimension_key, table_lines

FOOTNOTE_SUPPRESSED = N_(
    "Cells counting fewer than %(k)s families are not shown. Every other number is rounded to a "
    "multiple of %(k)s, up or down, and the same number is given each time it is asked for; so "
    "no hidden count can be worked out by subtracting numbers from each other or from a total. "
    "Totals are rounded on their own and can differ from the sum of their rows."
)


def build_report(
    session: Session, actor: Actor, query: ReportQuery, protection: Protection
) -> Report:
    """Run ``query`` for a coordinator (``Forbidden`` for anyone else) and publish every table
    through ``protection`` (``Protection.for_installation(settings.report_min_cell, ...)``)."""
    if not can_read_reports(actor):
        raise Forbidden("Reports are for coordinators.")
    tables, footnotes = BUILDERS[query.report](session, query, protection)
    texts = approved_texts(session, query) if query.report is ReportName.barriers else ()
    return Report(
        query.report, protection.base, query, tables, (FOOTNOTE_SUPPRESSED, *footnotes), texts
    )


# --- CSV ----------------------------------------------------------------------------------------


def report_csv(report: Report) -> str:
    """The report's tables as CSV: one header row, then one line per cell and total; suppressed
    values are empty and the "suppressed" column says so. The barrier report adds its approved
    texts as lines of the table "texts"."""
    dimension_columns: list[str] = []
    measure_columns: list[str] = []
    for table in report.tables:
        for dim in (table.row_dimension, table.column_dimension):
            if dim is not None and dimension_key(dim) not in dimension_columns:
                dimension_columns.append(dimension_key(dim))
        measure_columns.extend(m for m in table.measures if m not in measure_columns)
    with_texts = report.name is ReportName.barriers
    if with_texts:
        for name in ("category", "domain", "responsible_level"):
            if name not in dimension_columns:
                dimension_columns.append(name)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def write(cells: Iterable[str]) -> None:
        writer.writerow([_csv_safe(cell) for cell in cells])

    write(["table", *dimension_columns, *measure_columns, "suppressed", *(["text"] * with_texts)])
    for table in report.tables:
        for dims, cell in table_lines(table):
            write(
                [
                    table.key,
                    *(dims.get(name, "") for name in dimension_columns),
                    *(_csv_value(cell.values.get(m)) for m in measure_columns),
                    "true" if cell.suppressed else "false",
                    *([""] * with_texts),
                ]
            )
    for text in report.texts:
        fields = {
            "category": text.category,
            "domain": text.domain,
            "responsible_level": text.responsible_level,
        }
        write(
            [
                "texts",
                *(fields.get(name, "") for name in dimension_columns),
                *("" for _ in measure_columns),
                "false",
                text.text,
            ]
        )
    return out.getvalue()


def _csv_value(value: int | float | None) -> str:
    return "" if value is None else str(value)


# A spreadsheet takes a cell that starts with one of these for a formula (OWASP "CSV
# injection"); a barrier text is written by a caseworker and opened by a coordinator.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(cell: str) -> str:
    """The cell as text a spreadsheet shows, never runs: a leading ' where it could start a
    formula."""
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell


def csv_filename(report: Report) -> str:
    """``duk-needs-domain-municipality-2026-Q1-2026-Q4.csv``: report, dimensions, period only."""
    parts = ["duk", report.name.value, *(d.value for d in report.query.group_by)]
    parts.extend(p.label for p in (report.query.period_from, report.query.period_to) if p)
    return "-".join(parts).replace("_", "-") + ".csv"
