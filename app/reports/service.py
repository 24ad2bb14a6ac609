"""Anonymised reports for coordinators (DESIGN §7): need patterns, service gaps, outcomes and
barriers, built from structured fields only and always passed through small-cell suppression.

A report is a set of tables. Every table counts *families* (barriers: barriers) per cell of a
row dimension and an optional column dimension, with row, column and grand totals; the counts go
through ``app.reports.protection`` (small counts hidden, every other count rounded by its cell
key) and every other measure of a cell (needs, referrals, a median) is hidden exactly when its
cell is. The JSON API, the CSV download and the pages' charts all read the same ``Report``, so
none of them can publish what the others hide.
"""

from __future__ import annotations

import csv
import io
import statistics
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    cast,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import can_read_reports
from app.kit.errors import Forbidden
from app.kit.i18n import N_
from app.models import (
    Action,
    ActionEvent,
    Barrier,
    Family,
    Goal,
    Need,
    NeedIndicator,
    Reading,
    Referral,
)
from app.models.action import action_need
from app.models.enums import (
    ActionStatus,
    BarrierStatus,
    GoalAchievement,
    ReferralOutcome,
    ReferralStatus,
)
from app.reports.protection import CellIdentity, Protection
from app.reports.query import Dimension, ReportName, ReportQuery

# The key a dimension's value has in a JSON row / CSV header (DESIGN §8: "municipality_code").
DIMENSION_KEYS: Mapping[str, str] = {
    Dimension.municipality: "municipality_code",
}


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


# --- building reports -----------------------------------------------------------------------

FOOTNOTE_SUPPRESSED = N_(
    "Cells counting fewer than %(k)s families are not shown. Every other number is rounded to a "
    "multiple of %(k)s, up or down, and the same number is given each time it is asked for; so "
    "no hidden count can be worked out by subtracting numbers from each other or from a total. "
    "Totals are rounded on their own and can differ from the sum of their rows."
)
FOOTNOTE_DISTINCT = N_(
    "A family can count in several cells; totals count each family once, so they can be less "
    "than the sum of the cells."
)
FOOTNOTE_BARRIERS = N_(
    "Counts include every recorded barrier; only texts a coordinator has approved are shown."
)

# (row value or None, column value or None) → measures; None marks a total.
_Key = tuple[str | None, str | None]
_Grid = dict[_Key, tuple[int | float | None, ...]]
_Builder = Callable[
    [Session, ReportQuery, Protection], tuple[tuple[ReportTable, ...], tuple[str, ...]]
]


def build_report(
    session: Session, actor: Actor, query: ReportQuery, protection: Protection
) -> Report:
    """Run ``query`` for a coordinator (``Forbidden`` for anyone else) and publish every table
    through ``protection`` (``Protection.for_installation(settings.report_min_cell, ...)``)."""
    if not can_read_reports(actor):
        raise Forbidden("Reports are for coordinators.")
    tables, footnotes = _BUILDERS[query.report](session, query, protection)
    texts = _approved_texts(session, query) if query.report is ReportName.barriers else ()
    return Report(
        query.report, protection.base, query, tables, (FOOTNOTE_SUPPRESSED, *footnotes), texts
    )


def _needs_report(
    session: Session, query: ReportQuery, protection: Protection
) -> tuple[tuple[ReportTable, ...], tuple[str, ...]]:
    dims = [_need_dimension(session, d) for d in query.group_by]
    # With indicators a need has one row per code; count each need once in the totals.
    needs = (
        func.count(func.distinct(Need.id))
        if Dimension.indicator in query.group_by
        else func.count()
    )
    grid = _grouped(
        session, _need_facts(query), dims, [func.count(func.distinct(Need.family_id)), needs]
    )
    table = _table("needs", query, None, grid, ("families", "needs"), protection)
    return (table,), (FOOTNOTE_DISTINCT,)


def _gaps_report(
    session: Session, query: ReportQuery, protection: Protection
) -> tuple[tuple[ReportTable, ...], tuple[str, ...]]:
    row = _need_dimension(session, query.row_dimension)
    families = func.count(func.distinct(Need.family_id))
    unreferred_facts = _need_facts(query).where(~exists().where(Referral.need_id == Need.id))
    unreferred = _grouped(
        session, unreferred_facts, [row], [families, func.count(func.distinct(Need.id))]
    )
    outcome = func.coalesce(cast(Referral.outcome, String), literal("unspecified"))
    declined_facts = (
        _need_facts(query)
        .join(Referral, Referral.need_id == Need.id)
        .where(Referral.status == ReferralStatus.declined)
    )
    declined = _grouped(
        session, declined_facts, [row, outcome], [families, func.count(func.distinct(Referral.id))]
    )
    outcomes = (*(o.value for o in ReferralOutcome), "unspecified")
    tables = (
        _table(
            "unreferred",
            query,
            None,
            unreferred,
            ("families", "needs"),
            protection,
            one_dimension=True,
        ),
        _table(
            "declined",
            query,
            ("outcome", outcomes),
            declined,
            ("families", "referrals"),
            protection,
        ),
        _table(
            "first_action",
            query,
            None,
            _first_action_grid(session, query, row, protection.base),
            ("families", "median_days"),
            protection,
            one_dimension=True,
        ),
    )
    return tables, (
        FOOTNOTE_DISTINCT,
        "Median days from a need being recorded to the first action for it, shown only where "
        "at least %(k)s families are counted.",
    )


def _first_action_grid(
    session: Session, query: ReportQuery, row: SQLColumnExpression[Any], k: int
) -> _Grid:
    """Per row: families whose need got an action, and the median days until the first one.
    One grouped query (per need); the median is taken here, where SQLite has no percentile."""
    first_at = func.min(Action.created_at)
    stmt = (
        _need_facts(query)
        .join(action_need, action_need.c.need_id == Need.id)
        .join(Action, Action.id == action_need.c.action_id)
        .with_only_columns(row, Need.family_id, Need.created_at, first_at)
        .group_by(Need.id, row, Need.family_id, Need.created_at)
    )
    families: dict[str | None, set[uuid.UUID]] = {}
    days: dict[str | None, list[float]] = {}
    for value, family_id, need_at, action_at in session.execute(stmt):
        waited = max(0.0, (_aware(action_at) - _aware(need_at)).total_seconds() / 86400)
        for key in (str(value), None):
            families.setdefault(key, set()).add(family_id)
            days.setdefault(key, []).append(waited)
    grid: _Grid = {}
    for key, members in families.items():
        # A median is published only over a cell of at least k families.
        median = round(statistics.median(days[key]), 1) if len(members) >= k else None
        grid[(key, None)] = (len(members), median)
    return grid


def _outcomes_report(
    session: Session, query: ReportQuery, protection: Protection
) -> tuple[tuple[ReportTable, ...], tuple[str, ...]]:
    changes = ("improved", "unchanged", "worsened")
    tables = (
        _table(
            "readings",
            query,
            ("change", changes),
            _reading_grid(session, query),
            ("families",),
            protection,
        ),
        _table(
            "goals",
            query,
            ("achievement", ("achieved", "not_achieved")),
            _goal_grid(session, query),
            ("families", "goals"),
            protection,
        ),
        _table(
            "actions",
            query,
            ("timeliness", ("on_time", "late")),
            _action_grid(session, query),
            ("families", "actions"),
            protection,
        ),
    )
    return tables, (
        FOOTNOTE_DISTINCT,
        "Readings compare the family's own score in each domain at the first and the latest "
        "reading, for families with at least two readings.",
    )


def _family_value(dimension: Dimension, municipality: str, household_type: Any) -> str:
    return municipality if dimension is Dimension.municipality else str(household_type)


def _reading_grid(session: Session, query: ReportQuery) -> _Grid:
    """First vs latest reading per family and domain. Scores live in a JSON document, so the
    two readings of each family are fetched by one grouped query and compared here."""
    span = (
        select(
            Reading.family_id,
            func.min(Reading.number).label("first"),
            func.max(Reading.number).label("latest"),
        )
        .where(*_period_filter(Reading.taken_on, query, as_date=True))
        .group_by(Reading.family_id)
        .having(func.count() >= 2)
        .subquery()
    )
    stmt = (
        select(Reading.family_id, Reading.number, Reading.scores, span.c.first)
        .add_columns(Family.municipality_code, Family.household_type)
        .join(span, span.c.family_id == Reading.family_id)
        .join(Family, Family.id == Reading.family_id)
        .where((Reading.number == span.c.first) | (Reading.number == span.c.latest))
    )
    first: dict[uuid.UUID, dict[str, Any]] = {}
    latest: dict[uuid.UUID, tuple[dict[str, Any], str, Any]] = {}
    for family_id, number, scores, first_number, municipality, household in session.execute(stmt):
        if number == first_number:
            first[family_id] = scores
        else:
            latest[family_id] = (scores, municipality, household)
    facts: list[tuple[uuid.UUID, str, str, str]] = []
    for family_id, (scores, municipality, household) in latest.items():
        for domain, score in scores.items():
            before = first.get(family_id, {}).get(domain, {}).get("family")
            after = score.get("family") if isinstance(score, dict) else None
            if before is None or after is None:
                continue
            change = "improved" if after > before else "worsened" if after < before else "unchanged"
            row = (
                domain
                if query.row_dimension is Dimension.domain
                else _family_value(query.row_dimension, municipality, household)
            )
            facts.append((family_id, row, change, f"{family_id}:{domain}"))
    return _grid_from_facts(facts)


def _goal_grid(session: Session, query: ReportQuery) -> _Grid:
    """Goals carry their domains as a JSON list: fetched and counted here."""
    stmt = (
        select(
            Goal.id,
            Goal.family_id,
            Goal.domains,
            Goal.achievement_status,
            Family.municipality_code,
            Family.household_type,
        )
        .join(Family, Family.id == Goal.family_id)
        .where(*_period_filter(Goal.created_at, query))
    )
    achieved = {GoalAchievement.achieved, GoalAchievement.sustaining}
    facts: list[tuple[uuid.UUID, str, str, str]] = []
    for goal_id, family_id, domains, status, municipality, household in session.execute(stmt):
        column = "achieved" if status in achieved else "not_achieved"
        rows = (
            list(dict.fromkeys(domains))
            if query.row_dimension is Dimension.domain
            else [_family_value(query.row_dimension, municipality, household)]
        )
        facts.extend((family_id, row, column, str(goal_id)) for row in rows)
    return _grid_from_facts(facts)


def _action_grid(session: Session, query: ReportQuery) -> _Grid:
    """Done actions with a due date: on time when done (its first "done" event) by the due
    date. One grouped query; a row per action and linked need domain."""
    done_at = func.min(ActionEvent.at)
    # Actions reach their family directly, and their needs only when grouped by domain.
    row: SQLColumnExpression[Any] = (
        Need.domain
        if query.row_dimension is Dimension.domain
        else Family.municipality_code
        if query.row_dimension is Dimension.municipality
        else _need_dimension(session, query.row_dimension)
    )
    stmt = (
        select(Action.id, Action.family_id, Action.due_date, row, done_at)
        .join(Family, Family.id == Action.family_id)
        .join(ActionEvent, ActionEvent.action_id == Action.id)
        .where(
            Action.status == ActionStatus.done,
            Action.due_date.is_not(None),
            ActionEvent.to_status == ActionStatus.done,
            *_period_filter(Action.due_date, query, as_date=True),
        )
        .group_by(Action.id, Action.family_id, Action.due_date, row)
    )
    if query.row_dimension is Dimension.domain:
        stmt = stmt.join(action_need, action_need.c.action_id == Action.id).join(
            Need, Need.id == action_need.c.need_id
        )
    facts: list[tuple[uuid.UUID, str, str, str]] = []
    for action_id, family_id, due, value, finished in session.execute(stmt):
        column = "on_time" if _aware(finished).date() <= due else "late"
        facts.append((family_id, str(value), column, str(action_id)))
    return _grid_from_facts(facts)


def _barriers_report(
    session: Session, query: ReportQuery, protection: Protection
) -> tuple[tuple[ReportTable, ...], tuple[str, ...]]:
    dims = [_barrier_dimension(session, d) for d in query.group_by]
    facts = select(Barrier.id).where(*_period_filter(Barrier.created_at, query))
    grid = _grouped(session, facts, dims, [func.count()])
    return (_table("barriers", query, None, grid, ("barriers",), protection),), (FOOTNOTE_BARRIERS,)


def _approved_texts(session: Session, query: ReportQuery) -> tuple[BarrierText, ...]:
    """Each approved text once, however many caseworkers met the same barrier: how often it
    was recorded is what the counts (suppressed) say, not the list."""
    stmt = (
        select(Barrier.category, Barrier.domain, Barrier.responsible_level, Barrier.text)
        .distinct()
        .where(Barrier.status == BarrierStatus.approved)
        .where(*_period_filter(Barrier.created_at, query))
        .order_by(Barrier.category, Barrier.domain, Barrier.responsible_level, Barrier.text)
    )
    return tuple(
        BarrierText(str(category), domain, str(level), text)
        for category, domain, level, text in session.execute(stmt)
    )


_BUILDERS: Mapping[ReportName, _Builder] = {
    ReportName.needs: _needs_report,
    ReportName.gaps: _gaps_report,
    ReportName.outcomes: _outcomes_report,
    ReportName.barriers: _barriers_report,
}


# --- SQL building blocks ----------------------------------------------------------------------


def _need_facts(query: ReportQuery) -> Select[Any]:
    """Needs in the period, joined to their family only when grouped by household type (a
    need keeps its municipality), and to their indicator codes when grouped by them."""
    stmt = select(Need.id)
    if Dimension.household_type in query.group_by:
        stmt = stmt.join(Family, Family.id == Need.family_id)
    if Dimension.indicator in query.group_by:
        stmt = stmt.join(NeedIndicator, NeedIndicator.need_id == Need.id)
    return stmt.where(*_period_filter(Need.created_at, query))


def _need_dimension(session: Session, dimension: Dimension) -> SQLColumnExpression[Any]:
    match dimension:
        case Dimension.domain:
            return Need.domain
        case Dimension.indicator:
            return NeedIndicator.code
        case Dimension.municipality:
            return Need.municipality_code
        case Dimension.household_type:
            return cast(Family.household_type, String)
        case Dimension.priority:
            return cast(Need.priority, String)
        case Dimension.period:
            return _quarter_label(session, Need.created_at)
    raise ValueError(dimension)


def _barrier_dimension(session: Session, dimension: Dimension) -> SQLColumnExpression[Any]:
    match dimension:
        case Dimension.category:
            return cast(Barrier.category, String)
        case Dimension.domain:
            return Barrier.domain
        case Dimension.responsible_level:
            return cast(Barrier.responsible_level, String)
        case Dimension.municipality:
            return func.coalesce(Barrier.municipality_code, literal("unspecified"))
        case Dimension.period:
            return _quarter_label(session, Barrier.created_at)
    raise ValueError(dimension)


def _quarter_label(session: Session, column: SQLColumnExpression[Any]) -> SQLColumnExpression[Any]:
    """ "2026-Q3" from a UTC timestamp, in SQL on both databases."""
    if session.get_bind().dialect.name == "postgresql":
        utc: SQLColumnExpression[Any] = func.timezone("UTC", column)
        return func.to_char(utc, 'YYYY-"Q"Q')
    year = cast(func.strftime("%Y", column), String)
    # // : SQLAlchemy 2 makes "/" a true division, which would give "Q1.333".
    quarter = (cast(func.strftime("%m", column), Integer) + 2) // 3
    return year + literal("-Q") + cast(quarter, String)


def _period_filter(
    column: SQLColumnExpression[Any], query: ReportQuery, *, as_date: bool = False
) -> list[ColumnElement[bool]]:
    def bound(day: date) -> date | datetime:
        return day if as_date else datetime.combine(day, time(), tzinfo=UTC)

    conditions: list[ColumnElement[bool]] = []
    if query.period_from is not None:
        conditions.append(column >= bound(query.period_from.start))
    if query.period_to is not None:
        conditions.append(column < bound(query.period_to.end))
    return conditions


def _grouped(
    session: Session,
    facts: Select[Any],
    dimensions: Sequence[SQLColumnExpression[Any]],
    aggregates: Sequence[SQLColumnExpression[Any]],
) -> _Grid:
    """Cells and totals of ``facts`` grouped by one or two dimensions, in one statement:
    CUBE/ROLLUP on PostgreSQL, grouped selects joined by UNION ALL on SQLite."""
    labelled: list[Any] = [d.label(f"d{i}") for i, d in enumerate(dimensions)]
    if session.get_bind().dialect.name == "postgresql":
        grouping = func.cube(*dimensions) if len(dimensions) == 2 else func.rollup(*dimensions)
        stmt: Any = facts.with_only_columns(
            *labelled,
            func.grouping(*dimensions).label("g"),
            *aggregates,
            maintain_column_froms=True,
        ).group_by(grouping)
    else:
        parts = []
        for mask in range(2 ** len(dimensions)):
            # Bit set = this dimension is rolled up, as PostgreSQL's grouping() reports it.
            kept = [
                d for i, d in enumerate(dimensions) if not mask & (1 << (len(dimensions) - 1 - i))
            ]
            columns = [
                d.label(f"d{i}")
                if not mask & (1 << (len(dimensions) - 1 - i))
                else literal(None, String).label(f"d{i}")
                for i, d in enumerate(dimensions)
            ]
            # maintain_column_froms: the grand total names no column of the facts, and must
            # still count FROM them (else "SELECT count(*)" with no FROM answers 1).
            part = facts.with_only_columns(
                *columns, literal(mask).label("g"), *aggregates, maintain_column_froms=True
            )
            parts.append(part.group_by(*kept) if kept else part)
        stmt = union_all(*parts)
    grid: _Grid = {}
    width = len(dimensions)
    for result in session.execute(stmt):
        values, mask, measures = result[:width], result[width], result[width + 1 :]
        key = [
            None if mask & (1 << (width - 1 - i)) else str(value) for i, value in enumerate(values)
        ]
        grid[(key[0], key[1] if width == 2 else None)] = tuple(int(m) for m in measures)
    return grid


def _grid_from_facts(facts: Iterable[tuple[uuid.UUID, str, str, str]]) -> _Grid:
    """(family, row, column, item) facts → distinct families and items per cell and total."""
    families: dict[_Key, set[uuid.UUID]] = {}
    items: dict[_Key, set[str]] = {}
    for family_id, row, column, item in facts:
        for key in ((row, column), (row, None), (None, column), (None, None)):
            families.setdefault(key, set()).add(family_id)
            items.setdefault(key, set()).add(item)
    return {key: (len(members), len(items[key])) for key, members in families.items()}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- suppressed tables ------------------------------------------------------------------------


# Measures that are not counts: published as they are wherever their cell is.
NOT_COUNTS = frozenset({"median_days"})


def _table(
    key: str,
    query: ReportQuery,
    category: tuple[str, tuple[str, ...]] | None,
    grid: _Grid,
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


# --- CSV ----------------------------------------------------------------------------------------

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
