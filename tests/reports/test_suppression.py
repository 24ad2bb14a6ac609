"""Small-cell suppression over random tables: nothing small is published, and nothing hidden
can be worked out from what is (solved exactly, tests/reports/derivation.py)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.config import Settings
from app.reports.suppression import Suppression, suppress_column, suppress_table
from tests.reports.derivation import Entry, derivable, equations

# Small counts are where suppression has work to do; larger ones make the margins realistic.
counts = st.one_of(st.integers(0, 7), st.integers(0, 60))
thresholds = st.integers(3, 7)


@st.composite
def tables(
    draw: st.DrawFn, *, additive: bool = True
) -> tuple[list[list[int]], list[int], list[int], int]:
    n_rows, n_cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    cells = [[draw(counts) for _ in range(n_cols)] for _ in range(n_rows)]

    def total(line: list[int]) -> int:
        # Distinct families: from the largest cell up to the sum when a family can be in several.
        return sum(line) if additive else draw(st.integers(max(line), sum(line)))

    row_totals = [total(row) for row in cells]
    column_totals = [total([row[j] for row in cells]) for j in range(n_cols)]
    grand = (
        sum(row_totals)
        if additive
        else draw(st.integers(max(row_totals + column_totals), sum(row_totals)))
    )
    return cells, row_totals, column_totals, grand


def grid_of(
    cells: list[list[int]], row_totals: list[int], column_totals: list[int], grand: int
) -> dict[Entry, int]:
    n_rows, n_cols = len(cells), len(column_totals)
    grid = {(i, j): cells[i][j] for i in range(n_rows) for j in range(n_cols)}
    grid.update({(i, n_cols): row_totals[i] for i in range(n_rows)})
    grid.update({(n_rows, j): column_totals[j] for j in range(n_cols)})
    grid[(n_rows, n_cols)] = grand
    return grid


def hidden_of(mask: Suppression) -> set[Entry]:
    n_rows, n_cols = len(mask.cells), len(mask.column_totals)
    hidden = {(i, j) for i, row in enumerate(mask.cells) for j, s in enumerate(row) if s}
    hidden |= {(i, n_cols) for i, s in enumerate(mask.row_totals) if s}
    hidden |= {(n_rows, j) for j, s in enumerate(mask.column_totals) if s}
    return hidden | ({(n_rows, n_cols)} if mask.total else set())


@settings(max_examples=300, deadline=None)
@given(table=st.one_of(tables(), tables(additive=False)), k=thresholds)
def test_no_published_count_or_total_is_between_one_and_k_minus_one(
    table: tuple[list[list[int]], list[int], list[int], int], k: int
) -> None:
    mask = suppress_table(*table, k=k)

    grid = grid_of(*table)
    hidden = hidden_of(mask)
    assert all(not 0 < value < k for entry, value in grid.items() if entry not in hidden)


@settings(max_examples=300, deadline=None)
@given(table=st.one_of(tables(), tables(additive=False)), k=thresholds)
def test_a_published_cell_never_gives_away_a_small_rest_of_its_line(
    table: tuple[list[list[int]], list[int], list[int], int], k: int
) -> None:
    cells, row_totals, column_totals, _grand = table
    mask = suppress_table(*table, k=k)

    for i, row in enumerate(cells):
        for j, value in enumerate(row):
            if not mask.cells[i][j]:
                if len(column_totals) > 1:
                    assert not 0 < row_totals[i] - value < k
                if len(cells) > 1:
                    assert not 0 < column_totals[j] - value < k


@settings(max_examples=300, deadline=None)
@given(table=st.one_of(tables(), tables(additive=False)), k=thresholds)
def test_no_suppressed_value_can_be_solved_for_from_the_published_ones(
    table: tuple[list[list[int]], list[int], list[int], int], k: int
) -> None:
    cells, _rows, column_totals, _grand = table
    mask = suppress_table(*table, k=k)

    system = equations(len(cells), len(column_totals), one_dimension=False)
    assert derivable(hidden_of(mask), system) == set()


@settings(max_examples=300, deadline=None)
@given(values=st.lists(counts, min_size=1, max_size=8), k=thresholds)
def test_a_one_dimensional_table_hides_nothing_that_can_be_worked_out(
    values: list[int], k: int
) -> None:
    total = sum(values)
    mask = suppress_column(values, total, k=k)

    hidden = {(i, 0) for i, (s,) in enumerate(mask.cells) if s} | (
        {(len(values), 0)} if mask.total else set()
    )
    published = [v for i, v in enumerate(values) if (i, 0) not in hidden]
    assert all(not 0 < v < k for v in published)
    assert mask.total or not 0 < total < k
    assert derivable(hidden, equations(len(values), 1, one_dimension=True)) == set()


@settings(max_examples=200, deadline=None)
@given(table=tables(), k=thresholds)
def test_a_table_without_small_counts_is_published_whole(
    table: tuple[list[list[int]], list[int], list[int], int], k: int
) -> None:
    cells, row_totals, column_totals, grand = table
    grid = grid_of(*table)
    n_rows, n_cols = len(cells), len(column_totals)
    lines_small = any(
        0 < row_totals[i] - cells[i][j] < k or 0 < column_totals[j] - cells[i][j] < k
        for i in range(n_rows)
        for j in range(n_cols)
    ) or any(0 < grand - t < k for t in row_totals + column_totals)
    assume(not lines_small and not any(0 < v < k for v in grid.values()))

    assert hidden_of(suppress_table(*table, k=k)) == set()


def test_zero_is_published_as_zero() -> None:
    mask = suppress_table([[0, 12], [9, 30]], [12, 39], [9, 42], 51, k=5)

    assert hidden_of(mask) == set()


def test_two_families_in_one_cell_hide_it_and_enough_others() -> None:
    # Housing: 6 families in 3107, 2 in 3105, 5 in 3101; economy 6, 6, 5.
    mask = suppress_table([[6, 2, 5], [6, 6, 5]], [13, 17], [12, 8, 10], 30, k=5)

    assert mask.cells[0][1] is True
    assert sum(mask.cells[0]) >= 2
    assert mask.cells[1][1] is True


@pytest.mark.parametrize("k", [0, 1, 2])
def test_a_threshold_below_three_refuses_to_start(k: int) -> None:
    with pytest.raises(ValidationError, match="DUK_REPORT_MIN_CELL must be at least 3"):
        Settings(report_min_cell=k)
    with pytest.raises(ValueError, match="at least 3"):
        suppress_table([[4]], [4], [4], 4, k=k)


def test_the_threshold_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUK_REPORT_MIN_CELL", "7")
    assert Settings().report_min_cell == 7
    monkeypatch.setenv("DUK_REPORT_MIN_CELL", "2")
    with pytest.raises(ValidationError, match="DUK_REPORT_MIN_CELL"):
        Settings()
