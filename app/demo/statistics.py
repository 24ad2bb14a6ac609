"""Synthetic families for the coordinators' reports (part of ``duk demo``).

A few hundred made-up households in four municipalities of Østfold, spread over the last two
years, each with a canvas, needs with indicator codes, referrals (accepted, declined with an
outcome, or never made), actions that were done on time, late or not yet, a plan, follow-up
readings and goals, plus barriers written for the system level. Drawn from a fixed seed: the
same day gives the same data. Municipalities and household types are uneven on purpose, so
that some cells of a report are small (and suppressed) while most are not.

The rows are written in bulk (the services' per-record audit and checks would make the demo
slow); they follow the same rules the services enforce: indicator codes of the need's domain,
referral status chains with their events, actions linked to needs and goals, readings numbered
from 1 and never overwritten. No synthetic family is shared with another unit, so the demo
reviewers' queues and the tablet-demo caseworkers' home lists stay as they were.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.canvases import service as canvas_service
from app.canvases import template_store
from app.canvases.template_schema import CanvasTemplateDef
from app.db import new_id
from app.models import (
    Action,
    ActionEvent,
    Barrier,
    Canvas,
    CanvasDomain,
    Family,
    Goal,
    Need,
    NeedIndicator,
    Plan,
    Reading,
    Referral,
    ReferralEvent,
    Service,
    Unit,
    User,
    action_goal,
    action_need,
)
from app.models.enums import (
    ActionStatus,
    BarrierCategory,
    BarrierStatus,
    CanvasStatus,
    FamilyStatus,
    GoalAchievement,
    GoalHorizon,
    GoalLifecycle,
    Language,
    PlanOutcome,
    PlanStatus,
    ReferralOutcome,
    ReferralStatus,
    ResponsibleKind,
    ResponsibleLevel,
    ServiceStatus,
)

SEED = 20261128
T = TypeVar("T")
DAYS_BACK = 730


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    families: int
    caseworker: str  # username of the demo caseworker whose unit leads its families
    # Relative weight of each domain among the municipality's needs: patterns differ by place.
    domain_weights: dict[str, int]
    # Mean days from a need to its first action: some places are slower than others.
    days_to_act: float


MUNICIPALITIES = (
    Municipality(
        "3107",
        "Fredrikstad",
        150,
        "demo-fredrikstad",
        {
            "bolig": 9,
            "okonomi": 8,
            "arbeid": 5,
            "utdanning": 4,
            "helse": 4,
            "fritid": 5,
            "familie_nettverk": 3,
            "sprak_integrering": 4,
        },
        9,
    ),
    Municipality(
        "3105",
        "Sarpsborg",
        110,
        "demo-sarpsborg",
        {
            "bolig": 5,
            "okonomi": 9,
            "arbeid": 6,
            "utdanning": 3,
            "helse": 3,
            "fritid": 4,
            "familie_nettverk": 3,
            "sprak_integrering": 6,
        },
        12,
    ),
    Municipality(
        "3101",
        "Halden",
        60,
        "demo-halden",
        {
            "bolig": 4,
            "okonomi": 5,
            "arbeid": 8,
            "utdanning": 4,
            "helse": 5,
            "fritid": 3,
            "familie_nettverk": 2,
            "sprak_integrering": 1,
        },
        18,
    ),
    Municipality(
        "3118",
        "Indre Østfold",
        30,
        "demo-indre-ostfold",
        {
            "bolig": 3,
            "okonomi": 4,
            "arbeid": 4,
            "utdanning": 3,
            "helse": 3,
            "fritid": 6,
            "familie_nettverk": 2,
            "sprak_integrering": 1,
        },
        7,
    ),
)

SLOW_DOMAINS = {"bolig": 1.8, "helse": 1.5}

NEED_TEXTS = {
    "bolig": "Demo: trenger en bolig som passer familien.",
    "okonomi": "Demo: trenger oversikt over økonomien og hjelp med regningene.",
    "arbeid": "Demo: en voksen vil komme i arbeid eller aktivitet.",
    "utdanning": "Demo: et barn trenger støtte for å trives og lære på skolen.",
    "helse": "Demo: trenger hjelp med helsa.",
    "fritid": "Demo: barna vil være med på en fritidsaktivitet.",
    "familie_nettverk": "Demo: foreldrene ønsker mer støtte i hverdagen.",
    "sprak_integrering": "Demo: trenger norskopplæring og å kjenne tjenestene.",
}

# A declined referral carries the provider's reason; the outcome code is what reports count.
DECLINE_REASONS = {
    ReferralOutcome.not_eligible: "Demo: fyller ikke vilkårene.",
    ReferralOutcome.no_capacity: "Demo: venteliste, ingen ledig kapasitet.",
    ReferralOutcome.could_not_contact: "Demo: fikk ikke kontakt med familien.",
    ReferralOutcome.referred_elsewhere: "Demo: henvist til en annen tjeneste.",
}
# (final status, weight); the chain to it is in _referral_chain.
REFERRAL_ENDS = (
    (ReferralStatus.proposed, 5),
    (ReferralStatus.sent, 10),
    (ReferralStatus.accepted, 25),
    (ReferralStatus.in_progress, 15),
    (ReferralStatus.completed, 15),
    (ReferralStatus.declined, 22),
    (ReferralStatus.cancelled, 8),
)
DECLINE_WEIGHTS = (
    (ReferralOutcome.not_eligible, 5),
    (ReferralOutcome.no_capacity, 6),
    (ReferralOutcome.could_not_contact, 2),
    (ReferralOutcome.referred_elsewhere, 2),
)
ACHIEVEMENT_WEIGHTS = (
    (GoalAchievement.achieved, 22),
    (GoalAchievement.improving, 24),
    (GoalAchievement.in_progress, 24),
    (GoalAchievement.no_change, 12),
    (GoalAchievement.worsening, 8),
    (GoalAchievement.not_achieved, 10),
)
CLOSING_OUTCOMES = (
    (PlanOutcome.goals_reached, 8),
    (PlanOutcome.partly_reached, 9),
    (PlanOutcome.not_reached, 3),
    (PlanOutcome.family_moved, 2),
    (PlanOutcome.family_withdrew, 2),
    (PlanOutcome.transferred, 1),
)
GOAL_TEXTS = {
    GoalHorizon.dream: "Demo: at familien har det godt sammen.",
    GoalHorizon.long: "Demo: en trygg og stabil hverdag.",
    GoalHorizon.short: "Demo: et første steg innen neste oppfølgingsmøte.",
}

# (category, domain, responsible level, status, text): written for the system level.
BARRIERS = (
    (
        BarrierCategory.regulation,
        "bolig",
        ResponsibleLevel.national,
        "Bostøtteregelverket tar ikke hensyn til at barn bor i to hjem; delt bosted gir lavere "
        "bostøtte enn familien trenger.",
    ),
    (
        BarrierCategory.regulation,
        "okonomi",
        ResponsibleLevel.national,
        "Barnetrygden regnes som inntekt ved økonomisk sosialhjelp, slik at familier med mange "
        "barn sitter igjen med lite.",
    ),
    (
        BarrierCategory.capacity,
        "bolig",
        ResponsibleLevel.municipal,
        "Ventetiden på kommunal utleiebolig for store familier er over ett år.",
    ),
    (
        BarrierCategory.routine,
        "okonomi",
        ResponsibleLevel.municipal,
        "Søknad om økonomisk rådgivning krever digital innlogging; familier uten BankID får "
        "ikke søkt selv.",
    ),
    (
        BarrierCategory.coordination,
        "utdanning",
        ResponsibleLevel.municipal,
        "Skolen og PPT har ulike frister for samme sakkyndige vurdering, så saken blir "
        "liggende mellom dem.",
    ),
    (
        BarrierCategory.capacity,
        "helse",
        ResponsibleLevel.regional,
        "Ventetiden i BUP gjør at barn står uten behandling i mange måneder.",
    ),
    (
        BarrierCategory.economy,
        "fritid",
        ResponsibleLevel.municipal,
        "Aktivitetskortet dekker kontingent, men ikke utstyr, så barna kan likevel ikke delta.",
    ),
    (
        BarrierCategory.routine,
        "sprak_integrering",
        ResponsibleLevel.municipal,
        "Tolk bestilles bare til avtalte møter; korte telefonsamtaler med familien skjer uten "
        "tolk.",
    ),
    (
        BarrierCategory.regulation,
        "arbeid",
        ResponsibleLevel.national,
        "Kvalifiseringsprogrammet stenger for deltakere som har hatt programmet før, også når "
        "situasjonen er ny.",
    ),
    (
        BarrierCategory.coordination,
        "familie_nettverk",
        ResponsibleLevel.municipal,
        "Barnevernet og NAV bruker hver sin plan for samme familie, uten felles møte.",
    ),
    (
        BarrierCategory.economy,
        "bolig",
        ResponsibleLevel.municipal,
        "Depositum over tre månedsleier stopper leie i det private markedet; garantiordningen "
        "er for lav.",
    ),
    (
        BarrierCategory.capacity,
        "arbeid",
        ResponsibleLevel.regional,
        "For få plasser i arbeidsrettede tiltak for personer med helsebegrensninger.",
    ),
)
PENDING_BARRIERS = (
    (
        BarrierCategory.routine,
        "helse",
        ResponsibleLevel.municipal,
        "Fastlegen sender henvisning per post, og brev forsvinner når familien flytter.",
    ),
    (
        BarrierCategory.economy,
        "utdanning",
        ResponsibleLevel.municipal,
        "SFO koster for mye for familier med lav inntekt utenom friplassordningen.",
    ),
    (
        BarrierCategory.regulation,
        "sprak_integrering",
        ResponsibleLevel.national,
        "Retten til norskopplæring faller bort etter fem år, også for dem som ikke fikk plass.",
    ),
)


def _weighted(rng: random.Random, choices: Sequence[tuple[T, int]]) -> T:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(8 + rng.randrange(8), rng.randrange(60)), tzinfo=UTC)


def _referral_chain(end: ReferralStatus) -> list[ReferralStatus]:
    chain = [ReferralStatus.proposed]
    if end in (ReferralStatus.proposed, ReferralStatus.cancelled):
        return chain + ([end] if end is ReferralStatus.cancelled else [])
    chain.append(ReferralStatus.sent)
    if end is ReferralStatus.sent:
        return chain
    if end is ReferralStatus.declined:
        return chain + [end]
    chain.append(ReferralStatus.accepted)
    if end is ReferralStatus.in_progress:
        chain.append(end)
    elif end is ReferralStatus.completed:
        chain += [ReferralStatus.in_progress, end]
    return chain


@dataclass
class _Rows:
    """Everything to insert, in the order the foreign keys need."""

    families: list[Family]
    canvases: list[Canvas]
    needs: list[Need]
    indicators: list[NeedIndicator]
    referrals: list[Referral]
    referral_events: list[ReferralEvent]
    goals: list[Goal]
    actions: list[Action]
    action_events: list[ActionEvent]
    action_needs: list[dict[str, uuid.UUID]]
    action_goals: list[dict[str, uuid.UUID]]
    readings: list[Reading]
    plans: list[tuple[Plan, Canvas, User]]


class _Maker:
    def __init__(
        self,
        rng: random.Random,
        today: date,
        template: CanvasTemplateDef,
        template_id: uuid.UUID,
        services: dict[str, list[uuid.UUID]],
    ) -> None:
        self.rng = rng
        self.today = today
        self.template = template
        self.template_id = template_id
        self.services = services
        self.rows = _Rows([], [], [], [], [], [], [], [], [], [], [], [], [])

    def family(self, number: int, place: Municipality, lead: User, unit_id: uuid.UUID) -> None:
        rng = self.rng
        started = self.today - timedelta(days=rng.randrange(7, DAYS_BACK))
        created = _at(started, rng)
        kind = rng.random()
        children = (
            []
            if kind < 0.1
            else [self.today.year - rng.randrange(1, 17) for _ in range(rng.randint(1, 4))]
        )
        single = bool(children) and kind < 0.45
        family = Family(
            id=new_id(),
            display_name=f"Demo-familie {number:04d}",
            municipality_code=place.code,
            language=_weighted(rng, ((Language.nb, 80), (Language.en, 15), (Language.nn, 5))),
            plan_lead_id=lead.id,
            lead_unit_id=unit_id,
            status=FamilyStatus.active,
            created_at=created,
        )
        family.set_household(1 if single else rng.choice((1, 2, 2)), sorted(children), single)
        self.rows.families.append(family)

        domains = self._domains(place)
        canvas = self._canvas(family, domains, created)
        goals = self._goals(family, canvas, domains, created)
        for priority, domain in enumerate(domains, start=1):
            need = self._need(family, canvas, domain, priority, created)
            self._action_for(family, canvas, need, goals, unit_id, lead, place.days_to_act)
        self._readings(family, canvas, lead)
        if started <= self.today - timedelta(days=21) and rng.random() < 0.9:
            self._plan(family, canvas, lead, started)

    def _domains(self, place: Municipality) -> list[str]:
        keys = list(place.domain_weights)
        weights = list(place.domain_weights.values())
        wanted = self.rng.choice((1, 2, 2, 3, 3, 4))
        chosen: list[str] = []
        while len(chosen) < wanted:
            key = self.rng.choices(keys, weights=weights)[0]
            if key not in chosen:
                chosen.append(key)
        return chosen

    def _canvas(self, family: Family, domains: list[str], created: datetime) -> Canvas:
        rng = self.rng
        canvas = Canvas(
            id=new_id(),
            family_id=family.id,
            template_id=self.template_id,
            status=CanvasStatus.draft,
            what_matters="Demo: at familien får det bedre i hverdagen.",
            participants=[
                {"name": "Demo-forelder", "role": "family_member"},
                {"name": "Demo-veileder", "role": "plan_lead"},
            ],
            period_from=created.date(),
            period_to=created.date() + timedelta(days=365),
            next_review_date=max(
                self.today + timedelta(days=rng.randrange(7, 60)),
                created.date() + timedelta(days=42),
            ),
            created_by_id=family.plan_lead_id,
            created_at=created,
            updated_at=created,
        )
        canvas.domains = []
        for position, domain in enumerate(self.template.domains):
            row = CanvasDomain(
                id=new_id(),
                canvas_id=canvas.id,
                domain_key=domain.key,
                position=position,
                situation="",
                strengths="Demo: familien står sammen." if position == 0 else "",
                indicators=[],
            )
            if domain.key in domains:
                codes = [i.code for i in domain.indicators]
                row.indicators = sorted(rng.sample(codes, k=min(len(codes), rng.randint(1, 2))))
                row.family_score = rng.randint(2, 6)
                row.worker_score = max(1, min(10, row.family_score + rng.randint(-2, 1)))
            canvas.domains.append(row)
        self.rows.canvases.append(canvas)
        return canvas

    def _need(
        self, family: Family, canvas: Canvas, domain: str, priority: int, created: datetime
    ) -> Need:
        rng = self.rng
        row = next(d for d in canvas.domains if d.domain_key == domain)
        need = Need(
            id=new_id(),
            canvas_id=canvas.id,
            family_id=family.id,
            domain=domain,
            municipality_code=family.municipality_code,
            text=NEED_TEXTS[domain],
            priority=min(priority, 3),
            indicators=list(row.indicators),
            created_by_id=family.plan_lead_id,
            created_at=created + timedelta(days=rng.randrange(0, 5)),
        )
        self.rows.needs.append(need)
        self.rows.indicators += [NeedIndicator(need_id=need.id, code=c) for c in need.indicators]
        if rng.random() < 0.78 and self.services.get(domain):
            self._referral(need, rng.choice(self.services[domain]))
        return need

    def _referral(self, need: Need, service_id: uuid.UUID) -> Referral:
        rng = self.rng
        end = _weighted(rng, REFERRAL_ENDS)
        at = need.created_at + timedelta(days=rng.randrange(0, 10))
        referral = Referral(
            id=new_id(),
            need_id=need.id,
            family_id=need.family_id,
            service_id=service_id,
            status=end,
            created_by_id=need.created_by_id,
            created_at=at,
        )
        if end is ReferralStatus.declined:
            referral.outcome = _weighted(rng, DECLINE_WEIGHTS)
            referral.reason = DECLINE_REASONS[referral.outcome]
        elif end is ReferralStatus.completed:
            referral.outcome = ReferralOutcome.got_help
        elif end is ReferralStatus.cancelled:
            referral.outcome = ReferralOutcome.no_longer_interested
            referral.reason = "Demo: familien ønsket det ikke likevel."
        previous: ReferralStatus | None = None
        for step in _referral_chain(end):
            self.rows.referral_events.append(
                ReferralEvent(
                    id=new_id(),
                    referral_id=referral.id,
                    from_status=previous,
                    to_status=step,
                    reason=referral.reason if step is end and previous else None,
                    outcome=referral.outcome if step is end and previous else None,
                    user_id=need.created_by_id,
                    at=at,
                )
            )
            previous = step
            at = min(at + timedelta(days=rng.randrange(1, 20)), _at(self.today, rng))
        referral.updated_at = at
        self.rows.referrals.append(referral)
        return referral

    def _goals(
        self, family: Family, canvas: Canvas, domains: list[str], created: datetime
    ) -> list[Goal]:
        rng = self.rng
        goals = []
        for horizon in (GoalHorizon.long, GoalHorizon.short, GoalHorizon.dream)[
            : rng.randint(1, 3)
        ]:
            achievement = _weighted(rng, ACHIEVEMENT_WEIGHTS)
            goals.append(
                Goal(
                    id=new_id(),
                    canvas_id=canvas.id,
                    family_id=family.id,
                    horizon=horizon,
                    text=GOAL_TEXTS[horizon],
                    domains=[rng.choice(domains)],
                    lifecycle_status=(
                        GoalLifecycle.completed
                        if achievement is GoalAchievement.achieved
                        else GoalLifecycle.active
                    ),
                    achievement_status=achievement,
                    created_by_id=family.plan_lead_id,
                    created_at=created,
                )
            )
        self.rows.goals += goals
        return goals

    def _action_for(
        self,
        family: Family,
        canvas: Canvas,
        need: Need,
        goals: list[Goal],
        unit_id: uuid.UUID,
        lead: User,
        mean_days: float,
    ) -> None:
        rng = self.rng
        # Days from need to first action: usually within weeks, sometimes months; housing and
        # health take longer everywhere.
        delay = int(rng.expovariate(1 / (mean_days * SLOW_DOMAINS.get(need.domain, 1.0))))
        made = need.created_at + timedelta(days=delay)
        if made.date() >= self.today:
            return
        due = made.date() + timedelta(days=rng.randrange(7, 60))
        by_family = rng.random() < 0.4
        action = Action(
            id=new_id(),
            canvas_id=canvas.id,
            family_id=family.id,
            text="Demo: et konkret steg mot målet.",
            responsible_kind=ResponsibleKind.family if by_family else ResponsibleKind.unit,
            responsible_unit_id=None if by_family else unit_id,
            responsible_member="Demo-forelder" if by_family else None,
            due_date=due,
            status=ActionStatus.planned,
            created_by_id=lead.id,
            created_at=made,
            updated_at=made,
        )
        self._progress(action, due, made, lead)
        self.rows.actions.append(action)
        self.rows.action_needs.append({"action_id": action.id, "need_id": need.id})
        self.rows.action_goals.append({"action_id": action.id, "goal_id": rng.choice(goals).id})

    def _progress(self, action: Action, due: date, made: datetime, lead: User) -> None:
        """Done on time, done late, still open (overdue or not yet due), or cancelled."""
        rng = self.rng
        roll = rng.random()
        finished: date | None = None
        if roll < 0.5:
            finished = due - timedelta(days=rng.randrange(0, max(1, (due - made.date()).days)))
        elif roll < 0.72:
            finished = due + timedelta(days=rng.randrange(1, 40))
        elif roll < 0.76:
            action.status = ActionStatus.cancelled
            action.cancel_reason = "Demo: ikke lenger aktuelt."
        elif roll < 0.88:
            action.status = ActionStatus.in_progress
        if finished is not None and finished < self.today:
            action.status = ActionStatus.done
            action.updated_at = _at(finished, rng)
        elif finished is not None:
            action.status = ActionStatus.in_progress
        if action.status is not ActionStatus.planned:
            self.rows.action_events.append(
                ActionEvent(
                    id=new_id(),
                    action_id=action.id,
                    from_status=ActionStatus.planned,
                    to_status=action.status,
                    reason=action.cancel_reason,
                    user_id=lead.id,
                    at=max(action.updated_at, made),
                )
            )
            if action.status is not ActionStatus.done:
                action.updated_at = max(action.updated_at, made)

    def _readings(self, family: Family, canvas: Canvas, lead: User) -> None:
        """Reading 1 from the canvas, then one at each follow-up (about every three months),
        mostly better, sometimes not."""
        rng = self.rng
        scores: dict[str, dict[str, int]] = {
            d.domain_key: {"family": d.family_score, "worker": d.worker_score or d.family_score}
            for d in canvas.domains
            if d.family_score is not None
        }
        taken = canvas.created_at.date()
        number = 1
        while True:
            self.rows.readings.append(
                Reading(
                    id=new_id(),
                    family_id=family.id,
                    canvas_id=canvas.id,
                    number=number,
                    taken_on=taken,
                    scores={k: dict(v) for k, v in scores.items()},
                    created_by_id=lead.id,
                    created_at=_at(taken, rng),
                )
            )
            taken += timedelta(days=rng.randrange(70, 120))
            if taken >= self.today or number >= 5:
                return
            number += 1
            for value in scores.values():
                for who in ("family", "worker"):
                    step = rng.choice((-1, -1, 0, 0, 0, 1, 1, 1, 2))
                    value[who] = max(1, min(10, value[who] + step))

    def _plan(self, family: Family, canvas: Canvas, lead: User, started: date) -> None:
        rng = self.rng
        submitted = _at(started + timedelta(days=rng.randrange(7, 21)), rng)
        plan = Plan(
            id=new_id(),
            family_id=family.id,
            canvas_id=canvas.id,
            number=1,
            status=PlanStatus.active,
            content={},
            submitted_by_id=lead.id,
            submitted_at=submitted,
            family_approved_by="Demo-forelder",
            family_approved_at=submitted,
            family_approval_recorded_by_id=lead.id,
            activated_at=submitted,
        )
        age = (self.today - started).days
        roll = rng.random()
        if age > 200 and roll < 0.35:
            plan.status = PlanStatus.closed
            plan.closed_at = _at(
                min(
                    self.today - timedelta(days=1),
                    started + timedelta(days=rng.randrange(150, age)),
                ),
                rng,
            )
            plan.closed_by_id = lead.id
            plan.outcome = _weighted(rng, CLOSING_OUTCOMES).value
            plan.outcome_note = "Demo: oppfølgingen er avsluttet."
        elif roll > 0.93:
            plan.status = PlanStatus.in_review
            plan.family_approved_by = None
            plan.family_approved_at = None
            plan.family_approval_recorded_by_id = None
            plan.activated_at = None
        self.rows.plans.append((plan, canvas, lead))


def _services_by_domain(session: Session) -> dict[str, list[uuid.UUID]]:
    by_domain: dict[str, list[uuid.UUID]] = {}
    for service in session.scalars(
        select(Service).where(Service.status == ServiceStatus.active).order_by(Service.key)
    ):
        for domain in service.domains:
            by_domain.setdefault(domain, []).append(service.id)
    return by_domain


def make_statistics_demo(
    session: Session,
    today: date,
    leads: dict[str, tuple[User, Unit]],
    coordinator: User,
) -> int:
    """Write the synthetic families and barriers; returns how many families it made."""
    rng = random.Random(SEED)
    row = template_store.latest(session, "familie")
    template = template_store.template_by_id(session, row.id)
    maker = _Maker(rng, today, template, row.id, _services_by_domain(session))
    number = 0
    for place in MUNICIPALITIES:
        lead, unit = leads[place.caseworker]
        for _ in range(place.families):
            number += 1
            maker.family(number, place, lead, unit.id)
    _write(session, maker.rows, {lead.id: unit.id for lead, unit in leads.values()})
    _barriers(session, rng, today, {k: lead for k, (lead, _) in leads.items()}, coordinator)
    return number


def _write(session: Session, rows: _Rows, lead_units: dict[uuid.UUID, uuid.UUID]) -> None:
    session.add_all(rows.families)
    session.flush()
    session.add_all(rows.canvases)
    session.flush()
    session.add_all(rows.needs)
    session.add_all(rows.goals)
    session.flush()
    session.add_all(rows.indicators)
    session.add_all(rows.referrals)
    session.flush()
    session.add_all(rows.referral_events)
    session.add_all(rows.actions)
    session.flush()
    session.add_all(rows.action_events)
    session.execute(insert(action_need), rows.action_needs)
    session.execute(insert(action_goal), rows.action_goals)
    session.add_all(rows.readings)
    session.flush()
    # The plan freezes the canvas as the plan service does, so a demo plan opens like any other.
    for plan, canvas, lead in rows.plans:
        content: dict[str, Any] = canvas_service.canvas_document(session, canvas).model_dump(
            mode="json", by_alias=True
        )
        content["plan_lead"] = {
            "id": str(lead.id),
            "display_name": lead.display_name,
            "unit_id": str(lead_units[lead.id]),
        }
        plan.content = content
    session.add_all(plan for plan, _, _ in rows.plans)
    session.flush()


def _barriers(
    session: Session,
    rng: random.Random,
    today: date,
    leads: dict[str, User],
    coordinator: User,
) -> None:
    """Every approved text is recorded in several municipalities (a barrier is seldom local);
    a few texts wait for the coordinator."""
    for category, domain, level, text in BARRIERS:
        for place in rng.sample(MUNICIPALITIES, k=rng.randint(1, 4)):
            for _ in range(rng.randint(1, 4)):
                recorded = _at(today - timedelta(days=rng.randrange(10, DAYS_BACK)), rng)
                session.add(
                    Barrier(
                        id=new_id(),
                        category=category,
                        domain=domain,
                        responsible_level=level,
                        text=text,
                        municipality_code=place.code,
                        status=BarrierStatus.approved,
                        created_by_id=leads[place.caseworker].id,
                        created_at=recorded,
                        decided_by_id=coordinator.id,
                        decided_at=recorded + timedelta(days=rng.randrange(1, 10)),
                    )
                )
    for category, domain, level, text in PENDING_BARRIERS:
        place = rng.choice(MUNICIPALITIES)
        session.add(
            Barrier(
                id=new_id(),
                category=category,
                domain=domain,
                responsible_level=level,
                text=text,
                municipality_code=place.code,
                status=BarrierStatus.pending,
                created_by_id=leads[place.caseworker].id,
                created_at=_at(today - timedelta(days=rng.randrange(1, 14)), rng),
            )
        )
    session.flush()
