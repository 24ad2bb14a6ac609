"""The JSON documents of the report API (DESIGN §8): the service's suppressed tables, as they
are, so JSON, CSV and charts show the same numbers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.reports.query import ReportName
from app.reports.tables import Cell, Report, ReportTable, dimension_key


class ReportDocument(BaseModel):
    """A suppressed report. Lines carry their dimension values under the dimension's key
    ("domain", "municipality_code", …; "total" for a total), then the measures (null when
    suppressed) and "suppressed"."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    k: int
    report: ReportName
    group_by: list[str]
    period_from: str | None = Field(default=None, alias="from")
    period_to: str | None = Field(default=None, alias="to")
    footnotes: list[str]


def _line(dimensions: dict[str, str], cell: Cell) -> dict[str, Any]:
    return {**dimensions, **cell.values, "suppressed": cell.suppressed}


def table_document(table: ReportTable) -> dict[str, Any]:
    row_key = dimension_key(table.row_dimension)
    if table.column_dimension is None:
        return {
            "rows": [_line({row_key: r}, table.cell(r)) for r in table.rows],
            "total": _line({}, table.total),
        }
    column_key = dimension_key(table.column_dimension)
    return {
        "rows": [
            _line({row_key: r, column_key: c}, table.cell(r, c))
            for r in table.rows
            for c in table.columns
        ],
        "row_totals": [_line({row_key: r}, table.row_totals[r]) for r in table.rows],
        "column_totals": [_line({column_key: c}, table.column_totals[c]) for c in table.columns],
        "total": _line({}, table.total),
    }


def report_document(report: Report) -> dict[str, Any]:
    query = report.query
    document: dict[str, Any] = {
        "k": report.k,
        "report": report.name.value,
        "group_by": [d.value for d in query.group_by],
        "from": query.period_from.label if query.period_from else None,
        "to": query.period_to.label if query.period_to else None,
    }
    if report.name is ReportName.needs:
        document.update(table_document(report.table("needs")))
    else:
        document["tables"] = {table.key: table_document(table) for table in report.tables}
    if report.name is ReportName.barriers:
        document["texts"] = [
            {
                "category": text.category,
                "domain": text.domain,
                "responsible_level": text.responsible_level,
                "text": text.text,
            }
            for text in report.texts
        ]
    document["footnotes"] = [note % {"k": report.k} for note in report.footnotes]
    return document
