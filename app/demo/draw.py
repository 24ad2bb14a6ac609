"""What every step of the synthetic draw (app/demo/statistics.py) shares: the rows it adds to,
a weighted choice and a time of day."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TypeVar

from app.models import (
    Action,
    ActionEvent,
    Canvas,
    Family,
    Goal,
    Need,
    NeedIndicator,
    Plan,
    Reading,
    Referral,
    ReferralEvent,
    User,
)

T = TypeVar("T")
# The families started over the last two years.
DAYS_BACK = 730


def weighted(rng: random.Random, weights: Mapping[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def daytime(day: date, rng: random.Random) -> datetime:
    """A moment in the working hours of ``day``."""
    return datetime.combine(day, time(8 + rng.randrange(8), rng.randrange(60)), tzinfo=UTC)


@dataclass
class Rows:
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
