"""Synthetic families for the coordinators' reports (part of ``duk demo``).

A few hundred made-up households in four municipalities of Østfold, spread over the last two
years (app/demo/synthetic.py draws each one), plus barriers written for the system level; who
and what is data/statistics.yaml. Drawn from a fixed seed: the same day gives the same data.

The rows are written in bulk (the services' per-record audit and checks would make the demo
slow), so they keep the services' rules by hand. No synthetic family is shared with another
unit, so the demo reviewers' queues and the tablet-demo caseworkers' home lists stay as they
were.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.canvases import service as canvas_service
from app.catalogue import template_store
from app.db import new_id
from app.demo import data as demo_data
from app.demo.data import Statistics
from app.demo.draw import DAYS_BACK, Rows, daytime
from app.demo.synthetic import FamilyMaker
from app.models import Barrier, Service, Unit, User, action_goal, action_need
from app.models.enums import BarrierStatus, ServiceStatus

SEED = 20261128


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
    data = demo_data.statistics()
    rng = random.Random(SEED)
    row = template_store.latest(session, "familie")
    template = template_store.template_by_id(session, row.id)
    maker = FamilyMaker(data, rng, today, template, row.id, _services_by_domain(session))
    number = 0
    for place in data.municipalities:
        lead, unit = leads[place.caseworker]
        for _ in range(place.families):
            number += 1
            maker.family(number, place, lead, unit.id)
    _write(session, maker.rows, {lead.id: unit.id for lead, unit in leads.values()})
    _barriers(session, data, rng, today, {k: lead for k, (lead, _) in leads.items()}, coordinator)
    return number


def _write(session: Session, rows: Rows, lead_units: dict[uuid.UUID, uuid.UUID]) -> None:
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
    data: Statistics,
    rng: random.Random,
    today: date,
    leads: dict[str, User],
    coordinator: User,
) -> None:
    """Every approved text is recorded in several municipalities (a barrier is seldom local);
    a few texts wait for the coordinator."""
    for barrier in data.barriers.approved:
        for place in rng.sample(data.municipalities, k=rng.randint(1, 4)):
            for _ in range(rng.randint(1, 4)):
                recorded = daytime(today - timedelta(days=rng.randrange(10, DAYS_BACK)), rng)
                session.add(
                    Barrier(
                        id=new_id(),
                        category=barrier.category,
                        domain=barrier.domain,
                        responsible_level=barrier.level,
                        text=barrier.text,
                        municipality_code=place.code,
                        status=BarrierStatus.approved,
                        created_by_id=leads[place.caseworker].id,
                        created_at=recorded,
                        decided_by_id=coordinator.id,
                        decided_at=recorded + timedelta(days=rng.randrange(1, 10)),
                    )
                )
    for barrier in data.barriers.pending:
        place = rng.choice(data.municipalities)
        session.add(
            Barrier(
                id=new_id(),
                category=barrier.category,
                domain=barrier.domain,
                responsible_level=barrier.level,
                text=barrier.text,
                municipality_code=place.code,
                status=BarrierStatus.pending,
                created_by_id=leads[place.caseworker].id,
                created_at=daytime(today - timedelta(days=rng.randrange(1, 14)), rng),
            )
        )
    session.flush()
