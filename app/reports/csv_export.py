"""The last stage: a published report as a CSV download. It writes the very lines of
``app.reports.tables.table_lines`` that the JSON and the charts show, and guards every cell
against being taken for a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from app.reports.query import ReportName
from app.reports.tables import Report, dimension_key, table_lines


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
