"""The demo's data (``app/demo/data/*.yaml``), read and checked before anything is written.

Every model refuses a field it does not know and every name one entry of a file gives another
(the needs an action serves, a family's lead) must be there, so a typo stops ``duk demo`` with
the file and the field named, e.g. ``app/demo/data/municipality.yaml: families[0].needs[1].priorty:
Extra inputs are not permitted``, instead of making a demo that is quietly different. Names
another file or the database holds (catalogue services and units, the caseworkers of
statistics.yaml) are checked when the demo runs, and by tests/demo against the files.

The files are package data: they ship inside the wheel, beside this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Annotated, Self, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.canvases.schemas import DomainPatch, Participant
from app.families.schemas import FamilyCreate
from app.kit.schema import MunicipalityCode
from app.models.enums import (
    BarrierCategory,
    GoalAchievement,
    GoalHorizon,
    Language,
    PlanOutcome,
    ReferralOutcome,
    ReferralStatus,
    ResponsibleLevel,
    Role,
    UnitLevel,
)

Weight = Annotated[int, Field(gt=0)]
Days = Annotated[int, Field(gt=0)]

_M = TypeVar("_M", bound=BaseModel)


class DemoDataError(Exception):
    """A demo data file cannot be used; one line per problem, each naming the file and field."""


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _unique(what: str, keys: Iterable[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{what} {key!r} is listed more than once")
        seen.add(key)


def _known(what: str, key: str, among: Iterable[str]) -> None:
    if key not in set(among):
        raise ValueError(f"{what} {key!r} is not defined")


# --- municipality.yaml -------------------------------------------------------------------------


class DemoUnit(_Data):
    slug: str
    name: str
    level: UnitLevel
    municipality_code: MunicipalityCode


class DemoUser(_Data):
    username: str
    display_name: str
    role: Role
    units: tuple[str, ...]


class DemoCanvas(_Data):
    template: str
    what_matters: str
    domains: dict[str, DomainPatch]
    participants: tuple[Participant, ...] | None = None
    period_days: Days | None = None
    next_review_in_days: Days | None = None


class DemoNeed(_Data):
    key: str
    domain: str
    text: str
    priority: int = Field(ge=1, le=3)
    indicators: tuple[str, ...] = ()


class DemoReferral(_Data):
    key: str
    need: str
    service: str


class DemoGoal(_Data):
    key: str
    horizon: GoalHorizon
    text: str
    domains: tuple[str, ...] = ()


class DemoResponsible(_Data):
    """A unit (by slug) or a member of the family (by name)."""

    unit: str | None = None
    member: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.unit is None) == (self.member is None):
            raise ValueError("give either a unit or a member")
        return self


class DemoAction(_Data):
    text: str
    responsible: DemoResponsible
    due_in_days: Days
    needs: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    referral: str | None = None


class DemoConsent(_Data):
    unit: str
    given_by: str


class DemoFamily(_Data):
    lead: str
    family: FamilyCreate
    canvas: DemoCanvas | None = None
    needs: tuple[DemoNeed, ...] = ()
    referrals: tuple[DemoReferral, ...] = ()
    goals: tuple[DemoGoal, ...] = ()
    actions: tuple[DemoAction, ...] = ()
    consents: tuple[DemoConsent, ...] = ()
    submit_plan: bool = False

    @model_validator(mode="after")
    def _links(self) -> Self:
        if self.canvas is None and (
            self.needs or self.referrals or self.goals or self.actions or self.submit_plan
        ):
            raise ValueError("needs, referrals, goals, actions and a plan need a canvas")
        needs = [need.key for need in self.needs]
        goals = [goal.key for goal in self.goals]
        referrals = [referral.key for referral in self.referrals]
        _unique("need", needs)
        _unique("goal", goals)
        _unique("referral", referrals)
        for referral in self.referrals:
            _known("need", referral.need, needs)
        for action in self.actions:
            for key in action.needs:
                _known("need", key, needs)
            for key in action.goals:
                _known("goal", key, goals)
            if action.referral is not None:
                _known("referral", action.referral, referrals)
        return self


class DemoMunicipality(_Data):
    units: tuple[DemoUnit, ...]
    users: tuple[DemoUser, ...] = Field(min_length=1)
    families: tuple[DemoFamily, ...]

    @model_validator(mode="after")
    def _leads(self) -> Self:
        _unique("unit", (unit.slug for unit in self.units))
        usernames = [user.username for user in self.users]
        _unique("user", usernames)
        for family in self.families:
            _known("lead", family.lead, usernames)
        return self


# --- statistics.yaml ---------------------------------------------------------------------------


class Municipality(_Data):
    code: MunicipalityCode
    name: str
    families: int = Field(ge=0)
    caseworker: str
    domain_weights: dict[str, Weight] = Field(min_length=1)
    days_to_act: float = Field(gt=0)


class Decline(_Data):
    weight: Weight
    reason: str


class Texts(_Data):
    family_name: str
    parent: str
    plan_lead: str
    what_matters: str
    strengths: str
    action: str
    action_cancelled: str
    referral_cancelled: str
    plan_closed: str

    @model_validator(mode="after")
    def _numbered(self) -> Self:
        try:
            self.family_name.format(number=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"family_name takes one field, {{number}}: {exc}") from exc
        return self


class DemoBarrier(_Data):
    category: BarrierCategory
    domain: str
    level: ResponsibleLevel
    text: str


class Barriers(_Data):
    approved: tuple[DemoBarrier, ...]
    pending: tuple[DemoBarrier, ...]


class Statistics(_Data):
    municipalities: tuple[Municipality, ...] = Field(min_length=1)
    slow_domains: dict[str, float]
    languages: dict[Language, Weight] = Field(min_length=1)
    referral_ends: dict[ReferralStatus, Weight] = Field(min_length=1)
    declines: dict[ReferralOutcome, Decline] = Field(min_length=1)
    goal_achievements: dict[GoalAchievement, Weight] = Field(min_length=1)
    closing_outcomes: dict[PlanOutcome, Weight] = Field(min_length=1)
    need_texts: dict[str, str]
    goal_texts: dict[GoalHorizon, str]
    texts: Texts
    barriers: Barriers

    @model_validator(mode="after")
    def _covered(self) -> Self:
        for place in self.municipalities:
            for domain in place.domain_weights:
                _known("need text for domain", domain, self.need_texts)
        for horizon in GoalHorizon:
            _known("goal text for horizon", horizon.value, self.goal_texts)
        return self


# --- loading -----------------------------------------------------------------------------------

#: Every file in ``data/`` and what it holds.
FILES: dict[str, type[BaseModel]] = {
    "municipality.yaml": DemoMunicipality,
    "statistics.yaml": Statistics,
}


def parse(model: type[_M], text: str, shown: str) -> _M:
    """Validate the YAML ``text`` of the file ``shown`` as ``model``."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DemoDataError(f"{shown}: invalid YAML: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            field = "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
            ).lstrip(".")
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{shown}: {field}: {message}" if field else f"{shown}: {message}")
        raise DemoDataError("\n".join(problems)) from exc


def read(name: str, model: type[_M]) -> _M:
    """A file of ``data/``, validated as ``model``."""
    text = (files("app.demo") / "data" / name).read_text(encoding="utf-8")
    return parse(model, text, f"app/demo/data/{name}")


@cache
def municipality() -> DemoMunicipality:
    return read("municipality.yaml", DemoMunicipality)


@cache
def statistics() -> Statistics:
    return read("statistics.yaml", Statistics)
