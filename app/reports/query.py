"""The first stage of a report: what a coordinator may ask. The four reports, the predefined
dimensions each may be grouped by, the predefined periods, and the parsing of a request's
``group_by``, ``from`` and ``to`` into a ``ReportQuery``; anything else is refused here, before
any SQL is written (DESIGN §7: no free filters)."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from app.kit.errors import Invalid


class ReportName(enum.StrEnum):
    needs = "needs"
    gaps = "gaps"
    outcomes = "outcomes"
    barriers = "barriers"


class Dimension(enum.StrEnum):
    """The predefined dimensions a coordinator may group by; nothing else is accepted."""

    domain = "domain"
    indicator = "indicator"
    municipality = "municipality"
    household_type = "household_type"
    period = "period"
    priority = "priority"
    # Barrier register only.
    category = "category"
    responsible_level = "responsible_level"


NEED_DIMENSIONS = frozenset(
    {
        Dimension.domain,
        Dimension.indicator,
        Dimension.municipality,
        Dimension.household_type,
        Dimension.period,
        Dimension.priority,
    }
)

REPORT_DIMENSIONS: Mapping[ReportName, frozenset[Dimension]] = {
    ReportName.needs: NEED_DIMENSIONS,
    ReportName.gaps: NEED_DIMENSIONS,
    ReportName.outcomes: frozenset(
        {Dimension.domain, Dimension.municipality, Dimension.household_type}
    ),
    ReportName.barriers: frozenset(
        {
            Dimension.category,
            Dimension.domain,
            Dimension.responsible_level,
            Dimension.municipality,
            Dimension.period,
        }
    ),
}

# How many group_by dimensions a report takes. Gaps and outcomes have a category of their own
# as the column (referral outcome code, improved/unchanged/worsened, ...), so they take one.
MAX_DIMENSIONS: Mapping[ReportName, int] = {
    ReportName.needs: 2,
    ReportName.gaps: 1,
    ReportName.outcomes: 1,
    ReportName.barriers: 2,
}

DEFAULT_GROUP_BY: Mapping[ReportName, tuple[Dimension, ...]] = {
    ReportName.needs: (Dimension.domain, Dimension.municipality),
    ReportName.gaps: (Dimension.domain,),
    ReportName.outcomes: (Dimension.domain,),
    ReportName.barriers: (Dimension.category, Dimension.domain),
}

# The query parameters a report endpoint accepts; any other is 422 (no free filters).
QUERY_PARAMETERS = frozenset({"group_by", "from", "to"})


@dataclass(frozen=True)
class Period:
    """A predefined period: a quarter ("2026-Q3") or a calendar year ("2026")."""

    label: str
    start: date
    end: date  # exclusive


@dataclass(frozen=True)
class ReportQuery:
    report: ReportName
    group_by: tuple[Dimension, ...]
    period_from: Period | None = None
    period_to: Period | None = None

    @property
    def row_dimension(self) -> Dimension:
        return self.group_by[0]

    @property
    def column_dimension(self) -> Dimension | None:
        return self.group_by[1] if len(self.group_by) > 1 else None


_PERIOD = re.compile(r"(\d{4})(?:-Q([1-4]))?")


def parse_period(value: str, *, field_name: str) -> Period:
    """ "2026-Q3" or "2026" → Period; anything else raises ``Invalid`` naming ``field_name``."""
    match = _PERIOD.fullmatch(value)
    if match is None or not 2000 <= int(match[1]) <= 2100:
        raise Invalid.field(field_name, "Give a quarter (2026-Q3) or a calendar year (2026).")
    year = int(match[1])
    if match[2] is None:
        return Period(value, date(year, 1, 1), date(year + 1, 1, 1))
    quarter = int(match[2])
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Period(value, start, end)


def period_choices(today: date) -> list[Period]:
    """The predefined periods a page offers: the last three calendar years and their quarters,
    newest first."""
    labels = [
        label
        for year in range(today.year, today.year - 3, -1)
        for label in (str(year), *(f"{year}-Q{q}" for q in (4, 3, 2, 1)))
    ]
    return [parse_period(label, field_name="period") for label in labels]


def parse_query(
    report: ReportName,
    *,
    group_by: str | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
) -> ReportQuery:
    """Validate raw query parameters (``group_by=domain,municipality``, ``from``, ``to``).
    Raises ``Invalid`` naming the parameter for an unknown or repeated dimension, too many
    dimensions, a period that is not a quarter or year, or ``from`` after ``to``."""
    dimensions = DEFAULT_GROUP_BY[report] if group_by is None else _parse_group_by(report, group_by)
    start = parse_period(period_from, field_name="from") if period_from is not None else None
    end = parse_period(period_to, field_name="to") if period_to is not None else None
    if start is not None and end is not None and start.start >= end.end:
        raise Invalid.field("to", "The period must end after it begins.")
    return ReportQuery(report, dimensions, start, end)


def _parse_group_by(report: ReportName, raw: str) -> tuple[Dimension, ...]:
    allowed = REPORT_DIMENSIONS[report]
    names = [name.strip() for name in raw.split(",")]
    choices = ", ".join(sorted(allowed))
    for name in names:
        if name not in allowed:
            raise Invalid.field(
                "group_by", f"Unknown dimension {name!r} for this report; choose from {choices}."
            )
    if len(set(names)) != len(names):
        raise Invalid.field("group_by", "Each dimension may be given once.")
    if len(names) > MAX_DIMENSIONS[report]:
        raise Invalid.field(
            "group_by", f"This report takes at most {MAX_DIMENSIONS[report]} dimension(s)."
        )
    return tuple(Dimension(name) for name in names)
