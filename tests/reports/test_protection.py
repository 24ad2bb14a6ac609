"""The rule that publishes a count (app/reports/protection.py): small counts hidden, the rest
rounded to a multiple of the base by a keyed cell key, the same way every time."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from app.config import Settings
from app.reports.protection import CellIdentity, Protection, protection_for

CELL = CellIdentity.of("needs", "needs", [("domain", "bolig")])


@given(k=st.integers(3, 9), count=st.integers(0, 500))
def test_a_published_count_is_a_multiple_of_the_base_close_to_the_truth(k: int, count: int) -> None:
    protection = Protection.for_installation(k, "secret")
    base = protection.base
    if protection.hides(count):
        assert 0 < count < base
        return
    shown = protection.publish({"families": count}, CELL)["families"]
    assert shown % base == 0
    assert abs(shown - count) < base
    assert (shown == 0) == (count == 0)


def test_the_same_cell_gets_the_same_number_and_other_cells_go_both_ways() -> None:
    protection = Protection.for_installation(5, "secret")
    cells = [
        CellIdentity.of("needs", "needs", [("domain", d), ("municipality", m)])
        for d in ("bolig", "okonomi", "helse", "fritid")
        for m in ("3107", "3105", "3101", "3118", "3103")
    ]
    first = [protection.publish({"families": 12}, cell)["families"] for cell in cells]
    again = [protection.publish({"families": 12}, cell)["families"] for cell in cells]
    assert first == again
    # 12 is rounded down to 10 or up to 15 (with a chance of 2/5): over 20 cells, both happen.
    assert set(first) == {10, 15}


def test_the_dimensions_are_the_cell_whatever_order_they_are_named_in() -> None:
    protection = Protection.for_installation(5, "secret")
    one = CellIdentity.of("needs", "needs", [("domain", "x"), ("priority", "1")])
    other = CellIdentity.of("needs", "needs", [("priority", "1"), ("domain", "x")])
    assert one == other
    assert protection.publish({"needs": 13}, one) == protection.publish({"needs": 13}, other)


def test_another_installations_secret_rounds_its_own_way() -> None:
    ours = Protection.for_installation(5, "ours")
    theirs = Protection.for_installation(5, "theirs")
    cells = [CellIdentity.of("gaps", "declined", [("domain", str(n))]) for n in range(40)]
    assert [ours.publish({"families": 13}, c) for c in cells] != [
        theirs.publish({"families": 13}, c) for c in cells
    ]


@given(families=st.integers(5, 300), more=st.integers(0, 300))
def test_a_cell_never_shows_more_families_than_needs(families: int, more: int) -> None:
    protection = Protection.for_installation(5, "secret")
    shown = protection.publish({"families": families, "needs": families + more}, CELL)
    assert shown["families"] <= shown["needs"]


@pytest.mark.parametrize(("k", "base"), [(3, 4), (4, 4), (5, 5), (7, 7)])
def test_the_base_is_k_and_at_least_four(k: int, base: int) -> None:
    assert Protection.for_installation(k, "secret").base == base


@pytest.mark.parametrize("k", [0, 1, 2])
def test_a_threshold_below_three_refuses_to_start(k: int) -> None:
    with pytest.raises(ValidationError, match="DUK_REPORT_MIN_CELL must be at least 3"):
        Settings(report_min_cell=k)
    with pytest.raises(ValueError, match="at least 3"):
        Protection.for_installation(k, "secret")


def test_the_threshold_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUK_REPORT_MIN_CELL", "7")
    assert Settings().report_min_cell == 7
    assert protection_for(Settings()).base == 7
    monkeypatch.setenv("DUK_REPORT_MIN_CELL", "2")
    with pytest.raises(ValidationError, match="DUK_REPORT_MIN_CELL"):
        Settings()
