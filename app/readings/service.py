"""Follow-up readings: at each follow-up meeting the family and the worker score every domain
again (DESIGN §3 Reading). Reading 1 is the first canvas; each follow-up adds one; a reading is
never changed or deleted, so progress is always first against latest.

Takes a session and an actor; never commits. Access is decided by ``app.access`` first.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.scope import FamilyScope
from app.audit import service as audit
from app.canvases import service as canvas_service
from app.catalogue import template_store
from app.catalogue.template_schema import CanvasTemplateDef
from app.kit.errors import Conflict, FieldError, Invalid
from app.kit.i18n import local_today
from app.models import Canvas, Family, Plan, Reading, User
from app.models.enums import AuditAction
from app.readings.schemas import ReadingAuthor, ReadingCreate, ReadingOut, ScorePairOut

NO_CANVAS = "The family has no canvas yet: the first conversation is reading 1."


# --- storing readings -----------------------------------------------------------------------


def _lock_family(session: Session, family_id: uuid.UUID) -> None:
    # Readings are numbered per family: two follow-ups saved at once must not both take the
    # same number. PostgreSQL locks the family row; SQLite has one writer at a time anyway.
    session.execute(select(Family.id).where(Family.id == family_id).with_for_update())


def _next_number(session: Session, family_id: uuid.UUID) -> int:
    highest = session.scalar(select(func.max(Reading.number)).where(Reading.family_id == family_id))
    return (highest or 0) + 1


def _store(
    session: Session,
    actor: Actor,
    family_id: uuid.UUID,
    canvas_id: uuid.UUID,
    taken_on: date,
    scores: dict[str, dict[str, int | None]],
    note: str | None = None,
    next_review_date: date | None = None,
) -> Reading:
    reading = Reading(
        family_id=family_id,
        canvas_id=canvas_id,
        number=_next_number(session, family_id),
        taken_on=taken_on,
        scores=scores,
        note=note,
        next_review_date=next_review_date,
        created_by_id=actor.user_id,
    )
    session.add(reading)
    session.flush()
    audit.record(session, actor, AuditAction.create, "reading", reading.id, family_id=family_id)
    return reading


def canvas_scores(session: Session, canvas: Canvas) -> dict[str, dict[str, int | None]]:
    """The family's and the worker's score of every domain of the canvas, as stored now."""
    return {
        row.domain_key: {"family": row.family_score, "worker": row.worker_score}
        for row in canvas_service.domain_rows(session, canvas)
    }


def ensure_first_reading(session: Session, actor: Actor, canvas: Canvas) -> Reading | None:
    """Store reading 1 from the canvas's scores if the family has no reading yet; the new
    reading, or None when the family already had one."""
    _lock_family(session, canvas.family_id)
    if _next_number(session, canvas.family_id) != 1:
        return None
    return _store(
        session,
        actor,
        canvas.family_id,
        canvas.id,
        canvas.created_at.date(),
        canvas_scores(session, canvas),
    )


def latest_canvas(session: Session, family_id: uuid.UUID) -> Canvas | None:
    canvases = canvas_service.family_canvases(session, family_id)
    return canvases[0] if canvases else None


def first_canvas(session: Session, family_id: uuid.UUID) -> Canvas | None:
    canvases = canvas_service.family_canvases(session, family_id)
    return canvases[-1] if canvases else None


def current_template(session: Session, family_id: uuid.UUID) -> CanvasTemplateDef:
    """The template of the family's latest canvas: the domains a follow-up scores."""
    canvas = latest_canvas(session, family_id)
    if canvas is None:
        raise Conflict(NO_CANVAS)
    return template_store.template_of(session, canvas)


def _validated_scores(
    template: CanvasTemplateDef, data: ReadingCreate
) -> dict[str, dict[str, int | None]]:
    errors = [
        FieldError(f"scores.{key}", f"Unknown domain {key!r}")
        for key in data.scores
        if template.domain(key) is None
    ]
    if not any(p.family is not None or p.worker is not None for p in data.scores.values()):
        errors.append(FieldError("scores", "Give at least one score"))
    if errors:
        raise Invalid(errors)
    # Every domain of the template is kept, unscored ones as null: a reading says what was
    # scored at that meeting, and comparing two readings needs no guessing.
    return {
        key: {
            "family": data.scores[key].family if key in data.scores else None,
            "worker": data.scores[key].worker if key in data.scores else None,
        }
        for key in template.domain_keys()
    }


def add_reading(session: Session, actor: Actor, scope: FamilyScope, data: ReadingCreate) -> Reading:
    """A follow-up reading. A family with no reading yet gets reading 1 from its first canvas
    first, so the follow-up always has a start to be compared with. A next review agreed at
    the meeting moves the next review date of the canvas the family is followed up on, in
    the same transaction: both are stored, or neither."""
    scope.require_edit()
    family_id = scope.family.id
    latest = latest_canvas(session, family_id)
    first = first_canvas(session, family_id)
    if latest is None or first is None:
        raise Conflict(NO_CANVAS)
    scores = _validated_scores(template_store.template_of(session, latest), data)
    ensure_first_reading(session, actor, first)
    reading = _store(
        session,
        actor,
        family_id,
        latest.id,
        data.taken_on,
        scores,
        note=data.note or None,
        next_review_date=data.next_review_date,
    )
    if data.next_review_date is not None:
        # Never None: the family has a canvas (checked above).
        current = canvas_service.current_canvas(session, family_id) or latest
        canvas_service.set_next_review_date(session, actor, scope, current, data.next_review_date)
    return reading


# --- reading them back ----------------------------------------------------------------------


def family_readings(session: Session, family_id: uuid.UUID) -> Sequence[Reading]:
    """The family's readings, oldest first."""
    return session.scalars(
        select(Reading).where(Reading.family_id == family_id).order_by(Reading.number)
    ).all()


def readings_out(session: Session, readings: Sequence[Reading]) -> list[ReadingOut]:
    if not readings:
        return []
    author_ids = {r.created_by_id for r in readings}
    authors = {u.id: u for u in session.scalars(select(User).where(User.id.in_(author_ids)))}
    return [
        ReadingOut(
            id=r.id,
            family_id=r.family_id,
            number=r.number,
            taken_on=r.taken_on,
            scores={key: ScorePairOut.model_validate(pair) for key, pair in r.scores.items()},
            note=r.note,
            next_review_date=r.next_review_date,
            created_by=ReadingAuthor(
                id=r.created_by_id,
                username=authors[r.created_by_id].username,
                display_name=authors[r.created_by_id].display_name,
            ),
            created_at=r.created_at,
        )
        for r in readings
    ]


def list_readings(session: Session, actor: Actor, scope: FamilyScope) -> list[ReadingOut]:
    readings = family_readings(session, scope.family.id)
    audit.record(session, actor, AuditAction.read, "reading", None, family_id=scope.family.id)
    return readings_out(session, readings)


# --- progress: first against latest ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DomainProgress:
    key: str
    title: str
    first: int | None  # the family's own score: the one that counts in the plan
    latest: int | None

    @property
    def change(self) -> int | None:
        if self.first is None or self.latest is None:
            return None
        return self.latest - self.first


@dataclass(frozen=True, slots=True)
class Progress:
    first_number: int
    first_on: date
    latest_number: int
    latest_on: date
    domains: list[DomainProgress]

    @property
    def has_follow_up(self) -> bool:
        return self.latest_number != self.first_number


def _score(scores: dict[str, Any], key: str) -> int | None:
    value = (scores.get(key) or {}).get("family")
    return value if isinstance(value, int) else None


def progress_of(
    readings: Sequence[Reading], template: CanvasTemplateDef | None, lang: str
) -> Progress | None:
    """Per domain, the family's score at the first reading and at the latest one."""
    if not readings:
        return None
    first, latest = readings[0], readings[-1]
    keys = template.domain_keys() if template else list(latest.scores)
    keys += [k for k in list(first.scores) + list(latest.scores) if k not in keys]
    domains: list[DomainProgress] = []
    for key in dict.fromkeys(keys):
        domain = template.domain(key) if template else None
        domains.append(
            DomainProgress(
                key=key,
                title=domain.title.get(lang) if domain else key,
                first=_score(first.scores, key),
                latest=_score(latest.scores, key),
            )
        )
    return Progress(
        first_number=first.number,
        first_on=first.taken_on,
        latest_number=latest.number,
        latest_on=latest.taken_on,
        domains=domains,
    )


def form_start_values(
    session: Session, actor: Actor, scope: FamilyScope
) -> dict[str, dict[str, int | None]]:
    """What the follow-up form starts from: the latest reading's scores, or those of the canvas
    that will be reading 1. The form shows them, so it is a read of the family's data."""
    audit.record(
        session,
        actor,
        AuditAction.read,
        "reading",
        None,
        family_id=scope.family.id,
        purpose="new_reading",
    )
    readings = family_readings(session, scope.family.id)
    if readings:
        return dict(readings[-1].scores)
    first = first_canvas(session, scope.family.id)
    return canvas_scores(session, first) if first else {}


def family_progress(
    session: Session, actor: Actor, scope: FamilyScope, lang: str
) -> Progress | None:
    """What the family page shows: first against latest reading (the read is audited)."""
    readings = family_readings(session, scope.family.id)
    if not readings:
        return None
    audit.record(
        session,
        actor,
        AuditAction.read,
        "reading",
        None,
        family_id=scope.family.id,
        purpose="progress",
    )
    latest = latest_canvas(session, scope.family.id)
    template = template_store.template_of(session, latest) if latest else None
    return progress_of(readings, template, lang)


# --- the next review: when it is, and whether a follow-up has held it ----------------------

# The plan lead is reminded this long before a review; a follow-up meeting held within it is
# that review.
REVIEW_NOTICE = timedelta(days=7)


class ReviewState(enum.StrEnum):
    overdue = "overdue"  # the date has passed and no follow-up has held the review
    due_soon = "due_soon"  # today or within the week: the plan lead is reminded
    planned = "planned"  # further ahead
    held = "held"  # a follow-up held it, and no next review has been set since


@dataclass(frozen=True, slots=True)
class NextReview:
    on: date
    state: ReviewState
    days: int  # from today to the review; negative once it has passed
    held_on: date | None = None  # the day of the follow-up that held it


def next_reviews(
    session: Session, family_ids: Iterable[uuid.UUID], today: date
) -> dict[uuid.UUID, NextReview]:
    """The next review of each family that has one (the date on the canvas it is followed up
    on), and where it stands today. Call it for the lead side's families only: the live
    canvas and the readings are not shared with a consented unit (DESIGN §4.1)."""
    dates = canvas_service.next_reviews(session, family_ids)
    # A follow-up can have held only a review at most a week ahead (no reading is taken in
    # the future): the others need no look at the readings and plans.
    near = {f: on for f, on in dates.items() if on <= today + REVIEW_NOTICE}
    held = _held(session, near)
    reviews: dict[uuid.UUID, NextReview] = {}
    for family_id, on in dates.items():
        days = (on - today).days
        held_on = held.get(family_id)
        if held_on is not None:
            state = ReviewState.held
        elif days < 0:
            state = ReviewState.overdue
        elif days <= REVIEW_NOTICE.days:
            state = ReviewState.due_soon
        else:
            state = ReviewState.planned
        reviews[family_id] = NextReview(on=on, state=state, days=days, held_on=held_on)
    return reviews


def _held(session: Session, dates: dict[uuid.UUID, date]) -> dict[uuid.UUID, date]:
    """Per family, the day a follow-up held the review on ``dates[family]``, if one did.

    A follow-up reading (not reading 1, the first conversation) holds it when it was taken in
    the week before the date or later, and recorded after the reading that agreed on the date
    (if a reading did): the meeting that set a review is not that review. A new plan version
    (not the first) holds it when submitted on the date or later: the version that set the
    date was submitted before it, and a revision made earlier may have kept the date on
    purpose."""
    if not dates:
        return {}
    held: dict[uuid.UUID, date] = {}
    setter: dict[uuid.UUID, int] = {}
    follow_ups = session.execute(
        select(Reading.family_id, Reading.number, Reading.taken_on, Reading.next_review_date)
        .where(Reading.family_id.in_(list(dates)), Reading.number > 1)
        .order_by(Reading.family_id, Reading.number)
    ).all()
    for family_id, number, _taken_on, agreed in follow_ups:
        if agreed == dates[family_id]:
            setter[family_id] = number
    for family_id, number, taken_on, _agreed in follow_ups:
        on = dates[family_id]
        if number > setter.get(family_id, 1) and taken_on >= on - REVIEW_NOTICE:
            held[family_id] = max(taken_on, held.get(family_id, taken_on))
    # A day before the earliest date in UTC is early enough for any day in Norway.
    since = datetime.combine(min(dates.values()) - timedelta(days=1), time.min, tzinfo=UTC)
    for family_id, submitted_at in session.execute(
        select(Plan.family_id, Plan.submitted_at).where(
            Plan.family_id.in_(list(dates)), Plan.number > 1, Plan.submitted_at >= since
        )
    ):
        submitted_on = local_today(submitted_at)
        if submitted_on >= dates[family_id]:
            held[family_id] = max(submitted_on, held.get(family_id, submitted_on))
    return held
