"""Can a suppressed value be worked out from what a table publishes? Solved exactly.

A table with margins is the (R+1) × (C+1) grid of cells, row totals (column C), column totals
(row R) and the grand total; its equations are "each row adds up to its total" and "each column
adds up to its total" (a 1-D table has the single equation "the cells add up to the total").
Published entries are known; a suppressed entry is determined exactly when its unit vector lies
in the row space of the equations restricted to the suppressed unknowns. Ranks are computed
with fractions, so there is no rounding.
"""

from __future__ import annotations

from fractions import Fraction

from app.reports.service import ReportTable

Entry = tuple[int, int]


def equations(n_rows: int, n_cols: int, *, one_dimension: bool) -> list[dict[Entry, int]]:
    if one_dimension:
        return [{**{(i, 0): 1 for i in range(n_rows)}, (n_rows, 0): -1}]
    rows = [{**{(i, j): 1 for j in range(n_cols)}, (i, n_cols): -1} for i in range(n_rows + 1)]
    columns = [{**{(i, j): 1 for i in range(n_rows)}, (n_rows, j): -1} for j in range(n_cols + 1)]
    return rows + columns


def derivable(suppressed: set[Entry], system: list[dict[Entry, int]]) -> set[Entry]:
    """The suppressed entries whose value the published ones determine."""
    unknowns = sorted(suppressed)
    basis = _row_echelon([[Fraction(eq.get(u, 0)) for u in unknowns] for eq in system])
    found = set()
    for index, unknown in enumerate(unknowns):
        unit = [Fraction(int(i == index)) for i in range(len(unknowns))]
        if not any(_reduce(unit, basis)):
            found.add(unknown)
    return found


def _row_echelon(matrix: list[list[Fraction]]) -> list[tuple[int, list[Fraction]]]:
    """Rows of a reduced echelon basis, each with its pivot column."""
    basis: list[tuple[int, list[Fraction]]] = []
    for row in matrix:
        reduced = _reduce(row, basis)
        pivot = next((i for i, value in enumerate(reduced) if value), None)
        if pivot is not None:
            scaled = [value / reduced[pivot] for value in reduced]
            basis = [
                (p, [a - b[pivot] * c for a, c in zip(b, scaled, strict=True)]) for p, b in basis
            ]
            basis.append((pivot, scaled))
    return basis


def _reduce(row: list[Fraction], basis: list[tuple[int, list[Fraction]]]) -> list[Fraction]:
    out = list(row)
    for pivot, base in basis:
        if out[pivot]:
            factor = out[pivot]
            out = [a - factor * b for a, b in zip(out, base, strict=True)]
    return out


def table_grid(table: ReportTable, measure: str) -> tuple[dict[Entry, int | float | None], bool]:
    """A service table as grid entries (None when suppressed), and whether it is 1-D."""
    n_rows = len(table.rows)
    if table.column_dimension is None:
        grid = {(i, 0): table.cell(r)[measure] for i, r in enumerate(table.rows)}
        grid[(n_rows, 0)] = table.total[measure]
        return grid, True
    n_cols = len(table.columns)
    grid = {
        (i, j): table.cell(r, c)[measure]
        for i, r in enumerate(table.rows)
        for j, c in enumerate(table.columns)
    }
    grid.update({(i, n_cols): table.row_totals[r][measure] for i, r in enumerate(table.rows)})
    grid.update({(n_rows, j): table.column_totals[c][measure] for j, c in enumerate(table.columns)})
    grid[(n_rows, n_cols)] = table.total[measure]
    return grid, False


def derivable_in_table(table: ReportTable) -> set[Entry]:
    grid, one_dimension = table_grid(table, table.measures[0])
    suppressed = {entry for entry, value in grid.items() if value is None}
    system = equations(len(table.rows), len(table.columns), one_dimension=one_dimension)
    return derivable(suppressed, system)
