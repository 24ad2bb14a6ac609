"""The four report builders (needs, gaps, outcomes, barriers): each counts its facts into grids
with ``app.reports.sql`` (or here, where the facts live in JSON or need a median) and publishes
every grid as a table through ``app.reports.tables``, with the footnotes its tables need."""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import SQLColumnExpression, String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from app.kit.i18n import N_
from app.models import Action, ActionEvent, Barrier, Family, Goal, Need, Reading, Referral
from app.models.action import action_need
from app.models.enums import (
    ActionStatus,
    BarrierStatus,
    GoalAchievement,
    GoalLifecycle,
    NeedStatus,
    ReferralOutcome,
    ReferralStatus,
)
from app.reports.protection import Protection
from app.reports.query import Dimension, ReportName, ReportQuery
from app.reports.sql import (
    Grid,
    GridKey,
    barrier_dimension,
    grouped,
    need_dimension,
    need_facts,
    period_filter,
)
from app.reports.tables import BarrierText, ReportTable, publish_table

FOOTNOTE_DISTINCT = N_(
    "A family can count in several cells; totals count each family once, so they can be less "
    "than the sum of the cells."
)
FOOTNOTE_BARRIERS = N_(
    "Counts include every recorded barrier; only texts a coordinator has approved are shown."
)

_Builder = Callable[
    [Session, ReportQuery, Protection], tuple[tuple[ReportTable, ...], tuple[str, ...]]
]


def _needs_report(
    session: Session, query: ReportQuery, protection: Protection
) -> tuple[tuple[ReportTable, ...], tuple[str, ...]]:
    dims = [need_dimension(session, d) for d in query.group_by]
    # With indicators a need has one row per code; count each need once in the totals.
    needs = (
        func.count(func.distinct(Need.id))
        if Dimension.indicator in query.group_by
        else func.count()
    )
    grid = grouped(
        session, need_facts(query), dims, [func.count(func.distinct(Need.family_id)), needs]
    )
    table = publish_table("needs", query, None, grid, ("families", "needs"), protection)
    return (table,), (FOOTNOTE_DISTINCT,)


def _gaps_report(
    session: Session, query: ReportQuery, protection: Protection
) -> tuple[tuple[ReportTable, ...], tuple[str, ...]]:
    row = need_dimension(session, query.row_dimension)
    families = func.count(func.distinct(Need.family_id))
    # A referral entered in error maps the need to nothing: the need still waits for a service.
    unreferred_facts = need_facts(query).where(
        ~exists().where(
            Referral.need_id == Need.id,
            or_(
                Referral.outcome.is_(None),
                Referral.outcome != ReferralOutcome.entered_in_error,
            ),
        )
    )
    unreferred = grouped(
        session, unreferred_facts, [row], [families, func.count(func.distinct(Need.id))]
    )
    outcome = func.coalesce(cast(Referral.outcome, String), literal("unspecified"))
    declined_facts = (
        need_facts(query)
        .join(Referral, Referral.need_id == Need.id)
        .where(Referral.status == ReferralStatus.declined)
    )
    declined = grouped(
        session, declined_facts, [row, outcome], [families, func.count(func.distinct(Referral.id))]
    )
    # What a service decided when it declined: an error is never a service's answer.
    outcomes = (
        *(o.value for o in ReferralOutcome if o is not ReferralOutcome.entered_in_error),
        "unspecified",
    )
    tables = (
        publish_table(
            "unreferred",
            query,
            None,
            unreferred,
            ("families", "needs"),
            protection,
            one_dimension=True,
        ),
        publish_table(
            "declined",
            query,
            ("outcome", outcomes),
            declined,
            ("families", "referrals"),
            protection,
        ),
        publish_table(
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
) -> Grid:
    """Per row: families whose need got an action, and the median days until the first one.
    One grouped query (per need); the median is taken here, where SQLite has no percentile."""
    first_at = func.min(Action.created_at)
    stmt = (
        need_facts(query)
        .join(action_need, action_need.c.need_id == Need.id)
        .join(Action, Action.id == action_need.c.action_id)
        # An action entered in error was never the need's first action.
        .where(Action.status != ActionStatus.entered_in_error)
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
    grid: Grid = {}
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
        publish_table(
            "readings",
            query,
            ("change", changes),
            _reading_grid(session, query),
            ("families",),
            protection,
        ),
        publish_table(
            "goals",
            query,
            ("achievement", ("achieved", "not_achieved")),
            _goal_grid(session, query),
            ("families", "goals"),
            protection,
        ),
        publish_table(
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


def _reading_grid(session: Session, query: ReportQuery) -> Grid:
    """First vs latest reading per family and domain. Scores live in a JSON document, so the
    two readings of each family are fetched by one grouped query and compared here."""
    span = (
        select(
            Reading.family_id,
            func.min(Reading.number).label("first"),
            func.max(Reading.number).label("latest"),
        )
        .where(*period_filter(Reading.taken_on, query, as_date=True))
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


def _goal_grid(session: Session, query: ReportQuery) -> Grid:
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
        .where(
            Goal.lifecycle_status != GoalLifecycle.entered_in_error,
            *period_filter(Goal.created_at, query),
        )
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


def _action_grid(session: Session, query: ReportQuery) -> Grid:
    """Done actions with a due date: on time when done (its first "done" event) by the due
    date. One grouped query; a row per action and linked need domain."""
    done_at = func.min(ActionEvent.at)
    # Actions reach their family directly, and their needs only when grouped by domain.
    row: SQLColumnExpression[Any] = (
        Need.domain
        if query.row_dimension is Dimension.domain
        else Family.municipality_code
        if query.row_dimension is Dimension.municipality
        else need_dimension(session, query.row_dimension)
    )
    stmt = (
        select(Action.id, Action.family_id, Action.due_date, row, done_at)
        .join(Family, Family.id == Action.family_id)
        .join(ActionEvent, ActionEvent.action_id == Action.id)
        .where(
            Action.status == ActionStatus.done,
            Action.due_date.is_not(None),
            ActionEvent.to_status == ActionStatus.done,
            *period_filter(Action.due_date, query, as_date=True),
        )
        .group_by(Action.id, Action.family_id, Action.due_date, row)
    )
    if query.row_dimension is Dimension.domain:
        stmt = stmt.join(action_need, action_need.c.action_id == Action.id).join(
            Need, and_(Need.id == action_need.c.need_id, Need.status == NeedStatus.active)
        )
    facts: list[tuple[uuid.UUID, str, str, str]] = []
    for action_id, family_id, due, value, finished in session.execute(stmt):
        column = "on_time" if _aware(finished).date() <= due else "late"
        facts.append((family_id, str(value), column, str(action_id)))
    return _grid_from_facts(facts)


def _barriers_report(
    session: Session, query: ReportQuery, protection: Protection
) -> tuple[tuple[ReportTable, ...], tuple[str, ...]]:
    dims = [barrier_dimension(session, d) for d in query.group_by]
    facts = select(Barrier.id).where(*period_filter(Barrier.created_at, query))
    grid = grouped(session, facts, dims, [func.count()])
    table = publish_table("barriers", query, None, grid, ("barriers",), protection)
    return (table,), (FOOTNOTE_BARRIERS,)


def approved_texts(session: Session, query: ReportQuery) -> tuple[BarrierText, ...]:
    """Each approved text once, however many caseworkers met the same barrier: how often it
    was recorded is what the counts (suppressed) say, not the list."""
    stmt = (
        select(Barrier.category, Barrier.domain, Barrier.responsible_level, Barrier.text)
        .distinct()
        .where(Barrier.status == BarrierStatus.approved)
        .where(*period_filter(Barrier.created_at, query))
        .order_by(Barrier.category, Barrier.domain, Barrier.responsible_level, Barrier.text)
    )
    return tuple(
        BarrierText(str(category), domain, str(level), text)
        for category, domain, level, text in session.execute(stmt)
    )


def _grid_from_facts(facts: Iterable[tuple[uuid.UUID, str, str, str]]) -> Grid:
    """(family, row, column, item) facts → distinct families and items per cell and total."""
    families: dict[GridKey, set[uuid.UUID]] = {}
    items: dict[GridKey, set[str]] = {}
    for family_id, row, column, item in facts:
        for key in ((row, column), (row, None), (None, column), (None, None)):
            families.setdefault(key, set()).add(family_id)
            items.setdefault(key, set()).add(item)
    return {key: (len(members), len(items[key])) for key, members in families.items()}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


BUILDERS: Mapping[ReportName, _Builder] = {
    ReportName.needs: _needs_report,
    ReportName.gaps: _gaps_report,
    ReportName.outcomes: _outcomes_report,
    ReportName.barriers: _barriers_report,
}
