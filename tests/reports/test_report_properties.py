"""Every report over random data sets: a cell is hidden exactly when it counts 1 … base−1
families, every published count is a multiple of the base within base−1 of the true count, and
the need-pattern report's numbers are the data's, rounded. (Attacks by differencing:
tests/reports/test_differencing.py.)"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Barrier,
    Canvas,
    CanvasTemplate,
    Family,
    Need,
    NeedIndicator,
    Reading,
    Referral,
)
from app.models.enums import (
    BarrierCategory,
    Language,
    ReferralOutcome,
    ReferralStatus,
    ResponsibleLevel,
    Role,
)
from app.reports import service as report_service
from app.reports.protection import Protection
from app.reports.query import MAX_DIMENSIONS, REPORT_DIMENSIONS, ReportName, parse_query
from app.reports.tables import Cell, Report, table_lines
from tests.factories import actor_of, make_unit, make_user

DOMAINS = {
    "bolig": ["bolig.trangbodd", "bolig.midlertidig"],
    "okonomi": ["okonomi.gjeld"],
    "helse": [],
}
MOMENTS = [
    datetime(2025, 2, 1, tzinfo=UTC),
    datetime(2025, 8, 1, tzinfo=UTC),
    datetime(2026, 5, 1, tzinfo=UTC),
]


@dataclass(frozen=True)
class NeedSpec:
    domain: str
    priority: int
    indicators: tuple[str, ...]
    moment: datetime
    referral: tuple[ReferralStatus, ReferralOutcome | None] | None


@dataclass(frozen=True)
class FamilySpec:
    municipality: str
    children: int
    single_parent: bool
    needs: tuple[NeedSpec, ...]
    readings: tuple[dict[str, int], ...]


needs = st.builds(
    NeedSpec,
    domain=st.sampled_from(sorted(DOMAINS)),
    priority=st.integers(1, 3),
    indicators=st.just(()),
    moment=st.sampled_from(MOMENTS),
    referral=st.one_of(
        st.none(),
        st.tuples(st.just(ReferralStatus.declined), st.none() | st.sampled_from(ReferralOutcome)),
        st.just((ReferralStatus.sent, None)),
    ),
).flatmap(
    lambda need: (
        st.lists(st.sampled_from(DOMAINS[need.domain]), unique=True, max_size=2).map(
            lambda codes: NeedSpec(
                need.domain, need.priority, tuple(codes), need.moment, need.referral
            )
        )
        if DOMAINS[need.domain]
        else st.just(need)
    )
)
families = st.builds(
    FamilySpec,
    municipality=st.sampled_from(["3107", "3105", "3101", "3118"]),
    children=st.integers(0, 2),
    single_parent=st.booleans(),
    needs=st.lists(needs, max_size=3).map(tuple),
    readings=st.lists(
        st.fixed_dictionaries({"bolig": st.integers(1, 10), "okonomi": st.integers(1, 10)}),
        max_size=3,
    ).map(tuple),
)
barriers = st.tuples(
    st.sampled_from(BarrierCategory),
    st.sampled_from(sorted(DOMAINS)),
    st.sampled_from(ResponsibleLevel),
)


def group_bys(report: ReportName) -> list[str]:
    dimensions = sorted(REPORT_DIMENSIONS[report])
    pairs = itertools.permutations(dimensions, 2) if MAX_DIMENSIONS[report] == 2 else []
    return [*dimensions, *(",".join(pair) for pair in pairs)]


queries = st.sampled_from(ReportName).flatmap(
    lambda name: st.tuples(st.just(name), st.sampled_from(group_bys(name)))
)


def store(
    session: Session,
    specs: list[FamilySpec],
    barrier_specs: list[tuple[BarrierCategory, str, ResponsibleLevel]],
) -> None:
    unit = make_unit(session)
    lead = make_user(session, units=[unit])
    template_id = session.scalars(select(CanvasTemplate.id).limit(1)).one()
    for spec in specs:
        family = Family(
            display_name="Familien Hypotese",
            municipality_code=spec.municipality,
            language=Language.nb,
            plan_lead_id=lead.id,
            lead_unit_id=unit.id,
        )
        family.set_household(2 - spec.single_parent, [2015] * spec.children, spec.single_parent)
        session.add(family)
        session.flush()
        canvas = Canvas(family_id=family.id, template_id=template_id, created_by_id=lead.id)
        session.add(canvas)
        session.flush()
        for need_spec in spec.needs:
            need = Need(
                canvas_id=canvas.id,
                family_id=family.id,
                domain=need_spec.domain,
                municipality_code=family.municipality_code,
                text="Fritekst",
                priority=need_spec.priority,
                indicators=list(need_spec.indicators),
                created_by_id=lead.id,
                created_at=need_spec.moment,
            )
            session.add(need)
            session.flush()
            session.add_all(NeedIndicator(need_id=need.id, code=c) for c in need_spec.indicators)
            if need_spec.referral is not None:
                status, outcome = need_spec.referral
                session.add(
                    Referral(
                        need_id=need.id,
                        family_id=family.id,
                        external_service_name="Ekstern",
                        status=status,
                        outcome=outcome,
                        reason="Fritekst" if status is ReferralStatus.declined else None,
                        created_by_id=lead.id,
                    )
                )
        for number, scores in enumerate(spec.readings, start=1):
            session.add(
                Reading(
                    family_id=family.id,
                    number=number,
                    taken_on=date(2026, 1, number),
                    scores={d: {"family": s, "worker": None} for d, s in scores.items()},
                    created_by_id=lead.id,
                )
            )
    session.add_all(
        Barrier(
            category=category,
            domain=domain,
            responsible_level=level,
            text="Tekst",
            created_by_id=lead.id,
        )
        for category, domain, level in barrier_specs
    )
    session.flush()


def expected_needs(
    specs: list[FamilySpec], group_by: list[str]
) -> dict[tuple[str, ...], tuple[int, int]]:
    """Families and needs per cell, counted by hand from the data set."""

    def values(spec: FamilySpec, need: NeedSpec, dimension: str) -> list[str]:
        household = (
            "without_children"
            if spec.children == 0
            else ("single_parent" if spec.single_parent else "couple_with_children")
        )
        quarter = f"{need.moment.year}-Q{(need.moment.month + 2) // 3}"
        return {
            "domain": [need.domain],
            "indicator": list(need.indicators),
            "municipality": [spec.municipality],
            "household_type": [household],
            "priority": [str(need.priority)],
            "period": [quarter],
        }[dimension]

    found: dict[tuple[str, ...], tuple[set[int], set[tuple[int, int]]]] = {}
    for f, spec in enumerate(specs):
        for n, need in enumerate(spec.needs):
            for key in itertools.product(*(values(spec, need, d) for d in group_by)):
                for counted in (key, ()):  # the cell, and the grand total
                    families, need_ids = found.setdefault(counted, (set(), set()))
                    families.add(f)
                    need_ids.add((f, n))
    return {key: (len(fs), len(ns)) for key, (fs, ns) in found.items()}


def published_lines(report: Report) -> Iterator[tuple[str, dict[str, str], dict[str, object]]]:
    for table in report.tables:
        for dims, cell in table_lines(table):
            yield table.key, dims, dict(cell.values)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(families, max_size=25),
    barrier_specs=st.lists(barriers, max_size=12),
    query=queries,
    k=st.integers(3, 6),
)
def test_reports_over_random_data_publish_only_safe_counts(
    session: Session,
    specs: list[FamilySpec],
    barrier_specs: list[tuple[BarrierCategory, str, ResponsibleLevel]],
    query: tuple[ReportName, str],
    k: int,
) -> None:
    name, group_by = query
    with session.begin_nested() as example:
        store(session, specs, barrier_specs)
        coordinator = actor_of(session, make_user(session, role=Role.coordinator))

        protection = Protection.for_installation(k, "a secret of the property test")
        base = protection.base
        report = report_service.build_report(
            session, coordinator, parse_query(name, group_by=group_by), protection
        )

        for table in report.tables:
            for _dims, cell in table_lines(table):
                counts = [v for m, v in cell.values.items() if m != "median_days"]
                assert cell.suppressed == (cell.values[table.measures[0]] is None)
                for value in counts:
                    assert value is None or (isinstance(value, int) and value % base == 0), (
                        table.key,
                        cell,
                    )
        if name is ReportName.needs:
            expected = expected_needs(specs, group_by.split(","))
            table = report.table("needs")

            def check(cell: Cell, truth: tuple[int, int]) -> None:
                families_count, needs_count = truth
                assert cell.suppressed == (0 < families_count < base)
                if not cell.suppressed:
                    for shown, true in (
                        (cell["families"], families_count),
                        (cell["needs"], needs_count),
                    ):
                        assert isinstance(shown, int)
                        assert abs(shown - true) < base, (shown, true)
                        assert (shown == 0) == (true == 0)

            for r, c in table.cells:
                key = (r,) if c is None else (r, c)
                check(table.cell(r, c), expected.get(key, (0, 0)))
            check(table.total, expected.get((), (0, 0)))
        example.rollback()
