"""One synthetic family at a time, for the coordinators' reports (app/demo/statistics.py):
who the family is, its canvas, needs with indicator codes of the need's domain, goals, and an
action for each need, linked to the need and a goal. The rules the services enforce are kept
by hand here because the rows are written in bulk. What follows the first conversation is
app/demo/follow_up.py; the texts and weights are data/statistics.yaml.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta

from app.catalogue.template_schema import CanvasTemplateDef
from app.db import new_id
from app.demo.data import Municipality, Statistics
from app.demo.draw import DAYS_BACK, Rows, daytime, weighted
from app.demo.follow_up import FollowUp
from app.models import Action, Canvas, CanvasDomain, Family, Goal, Need, NeedIndicator, User
from app.models.enums import (
    ActionStatus,
    CanvasStatus,
    FamilyStatus,
    GoalAchievement,
    GoalHorizon,
    GoalLifecycle,
    ResponsibleKind,
)


class FamilyMaker:
    """Draws synthetic families one by one into ``rows``, from one random generator."""

    def __init__(
        self,
        data: Statistics,
        rng: random.Random,
        today: date,
        template: CanvasTemplateDef,
        template_id: uuid.UUID,
        services: dict[str, list[uuid.UUID]],
    ) -> None:
        self.data = data
        self.texts = data.texts
        self.rng = rng
        self.today = today
        self.template = template
        self.template_id = template_id
        self.services = services
        self.rows = Rows([], [], [], [], [], [], [], [], [], [], [], [], [])
        self.follow_up = FollowUp(data, rng, today, self.rows)

    def family(self, number: int, place: Municipality, lead: User, unit_id: uuid.UUID) -> None:
        rng = self.rng
        started = self.today - timedelta(days=rng.randrange(7, DAYS_BACK))
        created = daytime(started, rng)
        kind = rng.random()
        children = (
            []
            if kind < 0.1
            else [self.today.year - rng.randrange(1, 17) for _ in range(rng.randint(1, 4))]
        )
        single = bool(children) and kind < 0.45
        family = Family(
            id=new_id(),
            display_name=self.texts.family_name.format(number=number),
            municipality_code=place.code,
            language=weighted(rng, self.data.languages),
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
        self.follow_up.readings(family, canvas, lead)
        if started <= self.today - timedelta(days=21) and rng.random() < 0.9:
            self.follow_up.plan(family, canvas, lead, started)

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
            what_matters=self.texts.what_matters,
            participants=[
                {"name": self.texts.parent, "role": "family_member"},
                {"name": self.texts.plan_lead, "role": "plan_lead"},
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
                strengths=self.texts.strengths if position == 0 else "",
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
            text=self.data.need_texts[domain],
            priority=min(priority, 3),
            indicators=list(row.indicators),
            created_by_id=family.plan_lead_id,
            created_at=created + timedelta(days=rng.randrange(0, 5)),
        )
        self.rows.needs.append(need)
        self.rows.indicators += [NeedIndicator(need_id=need.id, code=c) for c in need.indicators]
        if rng.random() < 0.78 and self.services.get(domain):
            self.follow_up.referral(need, rng.choice(self.services[domain]))
        return need

    def _goals(
        self, family: Family, canvas: Canvas, domains: list[str], created: datetime
    ) -> list[Goal]:
        rng = self.rng
        goals = []
        for horizon in (GoalHorizon.long, GoalHorizon.short, GoalHorizon.dream)[
            : rng.randint(1, 3)
        ]:
            achievement = weighted(rng, self.data.goal_achievements)
            goals.append(
                Goal(
                    id=new_id(),
                    canvas_id=canvas.id,
                    family_id=family.id,
                    horizon=horizon,
                    text=self.data.goal_texts[horizon],
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
        delay = int(rng.expovariate(1 / (mean_days * self.data.slow_domains.get(need.domain, 1.0))))
        made = need.created_at + timedelta(days=delay)
        if made.date() >= self.today:
            return
        due = made.date() + timedelta(days=rng.randrange(7, 60))
        by_family = rng.random() < 0.4
        action = Action(
            id=new_id(),
            canvas_id=canvas.id,
            family_id=family.id,
            text=self.texts.action,
            responsible_kind=ResponsibleKind.family if by_family else ResponsibleKind.unit,
            responsible_unit_id=None if by_family else unit_id,
            responsible_member=self.texts.parent if by_family else None,
            due_date=due,
            status=ActionStatus.planned,
            created_by_id=lead.id,
            created_at=made,
            updated_at=made,
        )
        self.follow_up.progress(action, due, made, lead)
        self.rows.actions.append(action)
        self.rows.action_needs.append({"action_id": action.id, "need_id": need.id})
        self.rows.action_goals.append({"action_id": action.id, "goal_id": rng.choice(goals).id})
