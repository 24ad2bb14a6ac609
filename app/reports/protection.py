"""What protects the numbers of a report (DESIGN §7): small counts hidden, every other count
rounded to a multiple of the base, up or down by a cell key, the same way every time.

1. *Hidden*: a cell counting 1 … base−1 families (barriers, for the barrier register) is not
   published; its other measures are hidden with it. Zero is published: it says nobody.
2. *Rounded*: every other count, families and every other count of the cell (needs, referrals,
   goals, actions), is published as a multiple of the base. A count already a multiple of the
   base is published as it is; any other is rounded down or up to the next multiple, up with a
   chance equal to how far it is past the lower one (unbiased random rounding, as Statistics
   New Zealand and SSB publish census counts).
3. *Consistent*: the direction is not drawn at random on each request. It comes from a keyed
   hash (the cell key) of what the cell counts, in words: the report, the table, the measure and
   its dimension values (a quarter or a range of them is left out: the count says which records
   they are), with its true count. So the same cell gets the same number however it is asked
   for: again, in another grouping (a 1-D table's row is the margin of every 2-D table with that
   row), over an equivalent period, as JSON, CSV or a page (in the spirit of the cell key method
   of the Australian Bureau of Statistics' TableBuilder, recommended by Eurostat). The key is
   derived from the installation's secret, so no one outside can work out which way a count
   was rounded.

Why this answers differencing, where suppression alone cannot: every number a report publishes
is a multiple of the base, so every sum or difference of published numbers is one too, and a
hidden count (1 … base−1) is never one. Subtracting a quarter from a half-year, a row from its
total, a 2-D split from its 1-D table, or this week's answer from last week's, gives 0 or a
multiple of the base, never the small group. Bounds reasoning gets no further with one
difference either: two rounded numbers each hide up to base−1 of their true value, so the true
difference lies in a range at least 2·(base−1) wide, which always holds every hidden value
from 1 to base−1 once the base is at least 4 (tests/reports/test_differencing.py attacks the
reports both ways).

The base is the installation's k (``DUK_REPORT_MIN_CELL``, default 5), and at least 4: with a
base of 3 a single difference can pin a hidden count of 2 at the edge of its range.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.config import Settings

MIN_BASE = 4


def check_threshold(k: int) -> int:
    """k below 3 would publish groups of two: refused (DESIGN §7)."""
    if k < 3:
        raise ValueError(f"The small-cell threshold k must be at least 3, not {k}.")
    return k


@dataclass(frozen=True)
class CellIdentity:
    """What a published number counts, in words: the same words and the same count give the
    same number, whichever table, grouping, period or format it appears in."""

    report: str
    table: str
    dimensions: tuple[tuple[str, str], ...]  # sorted (dimension, value) pairs

    @classmethod
    def of(
        cls, report: str, table: str, dimensions: Iterable[tuple[str, str | None]]
    ) -> CellIdentity:
        named = tuple(sorted((d, v) for d, v in dimensions if v is not None))
        return cls(report, table, named)

    def text(self, counts: Mapping[str, int]) -> bytes:
        dims = ";".join(f"{d}={v}" for d, v in self.dimensions)
        measured = ";".join(f"{m}={n}" for m, n in sorted(counts.items()))
        return f"{self.report}|{self.table}|{dims}|{measured}".encode()


@dataclass(frozen=True)
class Protection:
    """The installation's rule for publishing counts: the base and the key of the cell keys."""

    base: int
    key: bytes

    @classmethod
    def for_installation(cls, k: int, secret: str) -> Protection:
        check_threshold(k)
        # A key of its own, so the cell keys say nothing about the installation's other keys.
        key = hmac.new(secret.encode(), b"duk report cell keys v1", hashlib.sha256).digest()
        return cls(max(k, MIN_BASE), key)

    def hides(self, count: int) -> bool:
        """A count that is never published: 1 … base−1 (zero is)."""
        return 0 < count < self.base

    def publish(self, counts: Mapping[str, int], identity: CellIdentity) -> dict[str, int]:
        """A cell's counts as published: each a multiple of the base, rounded by one cell key
        for the whole cell. One key for all its counts keeps them in order: a cell never shows
        more families than needs."""
        digest = hmac.new(self.key, identity.text(counts), hashlib.sha256).digest()
        chance = int.from_bytes(digest[:8], "big") / 2**64
        return {measure: self.round(count, chance) for measure, count in counts.items()}

    def round(self, count: int, chance: float) -> int:
        """Down to the multiple of the base below, or up to the next one when ``chance`` (in
        [0, 1)) is under how far the count is past the lower one: unbiased."""
        below = count - count % self.base
        rest = count - below
        if rest == 0:
            return count
        # A count that is published is never published as nothing.
        return below + self.base if chance < rest / self.base or below == 0 else below


def protection_for(settings: Settings) -> Protection:
    """The installation's protection: its k and a key derived from its secret."""
    return Protection.for_installation(settings.report_min_cell, settings.secret_key)
