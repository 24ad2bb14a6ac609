"""The SQL a report counts with: the facts (needs, barriers) in the period, the dimensions as
SQL expressions, and the grouping of facts into a ``Grid`` of cells and totals in one statement,
written for PostgreSQL and SQLite alike. Nothing here is suppressed yet; a grid holds true
counts and goes on to ``app.reports.tables``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app.models import Barrier, Family, Need, NeedIndicator
from app.models.enums import NeedStatus
from app.reports.query import Dimension, ReportQuery

# (row value or None, column value or None) → measures; None marks a total.
GridKey = tuple[str | None, str | None]
Grid = dict[GridKey, tuple[int | float | None, ...]]


def need_facts(query: ReportQuery) -> Select[Any]:
    """The standing needs of the period (one entered in error was never a need, DESIGN §3),
    joined to their family only when grouped by household type (a need keeps its
    municipality), and to their indicator codes when grouped by them."""
    stmt = select(Need.id)
    if Dimension.household_type in query.group_by:
        stmt = stmt.join(Family, Family.id == Need.family_id)
    if Dimension.indicator in query.group_by:
        stmt = stmt.join(NeedIndicator, NeedIndicator.need_id == Need.id)
    return stmt.where(Need.status == NeedStatus.active, *period_filter(Need.created_at, query))


def need_dimension(session: Session, dimension: Dimension) -> SQLColumnExpression[Any]:
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


def barrier_dimension(session: Session, dimension: Dimension) -> SQLColumnExpression[Any]:
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


def period_filter(
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


def grouped(
    session: Session,
    facts: Select[Any],
    dimensions: Sequence[SQLColumnExpression[Any]],
    aggregates: Sequence[SQLColumnExpression[Any]],
) -> Grid:
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
    grid: Grid = {}
    width = len(dimensions)
    for result in session.execute(stmt):
        values, mask, measures = result[:width], result[width], result[width + 1 :]
        key = [
            None if mask & (1 << (width - 1 - i)) else str(value) for i, value in enumerate(values)
        ]
        grid[(key[0], key[1] if width == 2 else None)] = tuple(int(m) for m in measures)
    return grid
