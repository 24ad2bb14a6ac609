"""The published shapes of a report and the stage that makes them: a ``Grid`` of true counts
goes through ``app.reports.protection`` (small cells hidden, every other count rounded by its
cell key) and comes out a ``ReportTable``. ``table_lines`` is the one reading order of a table's
cells and totals, so JSON, CSV and charts list the same lines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.reports.protection import CellIdentity, Protection
from app.reports.query import Dimension, ReportName, ReportQuery
from app.reports.sql import Grid


@dataclass(frozen=True)
class Cell:
    """One published cell: ``values[measure]`` is a number, or None when suppressed."""

    values: Mapping[str, int | float | None]
    suppressed: bool

    def __getitem__(self, measure: str) -> int | float | None:
        return self.values[measure]


@dataclass(frozen=True)
class ReportTable:
    """A row dimension × an optional column dimension of counts, with totals, suppressed.

    ``measures[0]`` is the count the suppression works on (families; barriers for the barrier
    register); the other measures of a cell are hidden whenever that count is. For a 1-D table
    ``columns`` is empty, ``column_dimension`` None, cells are keyed ``(row, None)`` and
    ``column_totals`` is empty. Multi-valued dimensions (indicator, domain when a family has
    several) make the totals count distinct families, so a total can be less than the sum of
    its cells.
    """

    key: str
    row_dimension: str
    column_dimension: str | None
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    measures: tuple[str, ...]
    cells: Mapping[tuple[str, str | None], Cell]
    row_totals: Mapping[str, Cell]
    column_totals: Mapping[str, Cell]
    total: Cell

    def cell(self, row: str, column: str | None = None) -> Cell:
        return self.cells[(row, column)]


@dataclass(frozen=True)
class BarrierText:
    """An approved barrier text, with only its structured fields (no author, no date)."""

    category: str
    domain: str
    responsible_level: str
    text: str


@dataclass(frozen=True)
class Report:
    name: ReportName
    k: int
    query: ReportQuery
    tables: tuple[ReportTable, ...]
    # English gettext msgids explaining suppression and how totals count.
    footnotes: tuple[str, ...] = ()
    texts: tuple[BarrierText, ...] = field(default=())

    def table(self, key: str) -> ReportTable:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)


# Measures that are not counts: published as they are wherever their cell is.
NOT_COUNTS = frozenset({"median_days"})


def publish_table(
    key: str,
    query: ReportQuery,
    category: tuple[str, tuple[str, ...]] | None,
    grid: Grid,
    measures: tuple[str, ...],
    protection: Protection,
    *,
    one_dimension: bool = False,
) -> ReportTable:
    """Publish a grid through ``protection`` and wrap it as a table. The column is ``category``
    (a report's own codes, all shown) or the query's column dimension (values found), or none.
    ``measures[0]`` decides whether a cell is hidden; every count is rounded by its cell key."""
    column_dimension: str | None
    if category is not None:
        column_dimension, columns = category
    elif query.column_dimension is not None and not one_dimension:
        column_dimension = query.column_dimension.value
        columns = tuple(sorted({c for (r, c) in grid if r is None and c is not None}))
    else:
        column_dimension, columns = None, ()
    rows = tuple(sorted({r for (r, _c) in grid if r is not None}))
    empty: tuple[int | float | None, ...] = tuple(0 for _ in measures)
    row_dimension = query.row_dimension.value

    def cell(row: str | None, column: str | None) -> Cell:
        shown = grid.get((row, column), empty)
        if protection.hides(int(shown[0] or 0)):
            return Cell(dict.fromkeys(measures), True)
        dimensions = [(row_dimension, row)]
        if column_dimension is not None:
            dimensions.append((column_dimension, column))
        if Dimension.indicator in query.group_by:
            # Grouped by indicator, a total counts only needs with an indicator code: another
            # population than the same row asked without indicators, so another cell.
            dimensions = [
                (d, "*" if d == Dimension.indicator and v is None else v) for d, v in dimensions
            ]
        # The period is left out: a quarter, its range and the same range asked otherwise hold
        # the same records, and the count tells what they are.
        identity = CellIdentity.of(
            query.report.value, key, [(d, v) for d, v in dimensions if d != Dimension.period]
        )
        # A grid may hold more than the table shows (the readings grid counts items too).
        measured = dict(zip(measures, shown[: len(measures)], strict=True))
        counts = {m: int(v or 0) for m, v in measured.items() if m not in NOT_COUNTS}
        published = protection.publish(counts, identity)
        values: dict[str, int | float | None] = {
            m: published[m] if m in published else v for m, v in measured.items()
        }
        return Cell(values, False)

    if column_dimension is None:
        cells: dict[tuple[str, str | None], Cell] = {(r, None): cell(r, None) for r in rows}
        row_totals: dict[str, Cell] = {}
        column_totals: dict[str, Cell] = {}
    else:
        cells = {(r, c): cell(r, c) for r in rows for c in columns}
        row_totals = {r: cell(r, None) for r in rows}
        column_totals = {c: cell(None, c) for c in columns}
    return ReportTable(
        key=key,
        row_dimension=row_dimension,
        column_dimension=column_dimension,
        rows=rows,
        columns=columns,
        measures=measures,
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        total=cell(None, None),
    )


# The key a dimension's value has in a JSON row / CSV header (DESIGN §8: "municipality_code").
DIMENSION_KEYS: Mapping[str, str] = {
    Dimension.municipality: "municipality_code",
}

TOTAL = "total"


def dimension_key(dimension: str) -> str:
    """The JSON/CSV key of a dimension's value ("municipality" → "municipality_code")."""
    return DIMENSION_KEYS.get(dimension, dimension)


def table_lines(table: ReportTable) -> list[tuple[dict[str, str], Cell]]:
    """Every cell and total of a table with its dimension values, in reading order; totals
    carry ``TOTAL`` in the dimension they sum over. JSON, CSV and charts list through this."""
    row_key = dimension_key(table.row_dimension)
    if table.column_dimension is None:
        lines = [({row_key: r}, table.cell(r)) for r in table.rows]
        return [*lines, ({row_key: TOTAL}, table.total)]
    column_key = dimension_key(table.column_dimension)
    lines = []
    for r in table.rows:
        lines.extend(({row_key: r, column_key: c}, table.cell(r, c)) for c in table.columns)
        lines.append(({row_key: r, column_key: TOTAL}, table.row_totals[r]))
    lines.extend(({row_key: TOTAL, column_key: c}, table.column_totals[c]) for c in table.columns)
    lines.append(({row_key: TOTAL, column_key: TOTAL}, table.total))
    return lines
