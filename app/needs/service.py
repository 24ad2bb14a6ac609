"""A family's needs, in their own words, and the services each is mapped to (referrals):
adding them, the referral's life from proposed to completed, and reading them for a canvas.

Takes a session and an actor; never commits. Access is decided by ``app.access`` before a
function here is called; functions that change a case call ``scope.require_edit()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import can_update_assigned
from app.access.scope import FamilyScope
from app.audit import service as audit
from app.catalogue import service as catalogue_service
from app.catalogue import template_store
from app.db import utcnow
from app.kit.concurrency import check_version
from app.kit.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from app.members import service as member_service
from app.models import (
    Canvas,
    Need,
    NeedIndicator,
    Referral,
    ReferralEvent,
    Service,
    Unit,
)
from app.models.enums import (
    AuditAction,
    NeedStatus,
    ReferralOutcome,
    ReferralStatus,
    ServiceStatus,
)
from app.needs.schemas import (
    NeedCreate,
    NeedOut,
    ReferralCreate,
    ReferralOut,
    ReferralPatch,
)

_ALL_NEED_ROWS = (
    select(
        Need.id,
        Need.domain,
        Need.text,
        Need.priority,
        Need.indicators,
        Need.status,
        Need.concerns_member_id,
        Need.version,
    )
    .where(Need.canvas_id == bindparam("canvas_id"))
    .order_by(Need.created_at, Need.id)
)
_NEED_ROWS = _ALL_NEED_ROWS.where(Need.status == NeedStatus.active)

_ALL_REFERRAL_ROWS = (
    select(
        Referral.id,
        Referral.need_id,
        Referral.service_id,
        Referral.external_service_name,
        Service.provider_unit_id,
        Referral.status,
        Referral.reason,
        Referral.outcome,
        Referral.version,
    )
    .join(Need, Need.id == Referral.need_id)
    .outerjoin(Service, Service.id == Referral.service_id)
    .where(Need.canvas_id == bindparam("canvas_id"))
    .order_by(Referral.created_at, Referral.id)
)
# A referral mapped by mistake, or one of a need written by mistake, was never part of the plan.
NOT_IN_ERROR = or_(Referral.outcome.is_(None), Referral.outcome != ReferralOutcome.entered_in_error)
_REFERRAL_ROWS = _ALL_REFERRAL_ROWS.where(Need.status == NeedStatus.active, NOT_IN_ERROR)


def needs_of(
    session: Session, canvas_id: uuid.UUID, *, include_erroneous: bool = False
) -> list[NeedOut]:
    """The canvas's needs, oldest first; with ``include_erroneous`` those entered in error too
    (the lead side's pages list them apart)."""
    rows = _ALL_NEED_ROWS if include_erroneous else _NEED_ROWS
    return [NeedOut.model_validate(n) for n in session.execute(rows, {"canvas_id": canvas_id})]


def referrals_of(
    session: Session, canvas_id: uuid.UUID, *, include_erroneous: bool = False
) -> list[ReferralOut]:
    """The referrals of the canvas's needs, oldest first, cancelled and closed ones too; with
    ``include_erroneous`` also those entered in error and those of needs entered in error."""
    rows = _ALL_REFERRAL_ROWS if include_erroneous else _REFERRAL_ROWS
    return [ReferralOut.model_validate(r) for r in session.execute(rows, {"canvas_id": canvas_id})]


def add_need(
    session: Session, actor: Actor, scope: FamilyScope, canvas: Canvas, data: NeedCreate
) -> Need:
    scope.require_edit()
    template = template_store.template_of(session, canvas)
    if template.domain(data.domain) is None:
        raise Invalid.field("domain", f"Unknown domain {data.domain!r}")
    errors = template_store.indicator_errors(template, data.domain, data.indicators, "indicators")
    errors += member_service.concerns_errors(session, canvas.family_id, data.concerns_member_id)
    if errors:
        raise Invalid(errors)
    need = Need(
        canvas_id=canvas.id,
        family_id=canvas.family_id,
        domain=data.domain,
        municipality_code=scope.family.municipality_code,
        text=data.text,
        priority=data.priority,
        indicators=list(dict.fromkeys(data.indicators)),
        concerns_member_id=data.concerns_member_id,
        created_by_id=actor.user_id,
    )
    session.add(need)
    session.flush()
    session.add_all(NeedIndicator(need_id=need.id, code=code) for code in need.indicators)
    audit.record(session, actor, AuditAction.create, "need", need.id, family_id=need.family_id)
    return need


def get_need_on(session: Session, need_id: uuid.UUID) -> Need:
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound("No such need.")
    return need


def require_standing(need: Need) -> None:
    if need.status is NeedStatus.entered_in_error:
        raise Conflict("The need was entered in error: it is kept in the history only.")


# --- referrals ------------------------------------------------------------------------------


def referral_out(referral: Referral, provider_unit_id: uuid.UUID | None) -> ReferralOut:
    return ReferralOut(
        id=referral.id,
        need_id=referral.need_id,
        service_id=referral.service_id,
        external_service_name=referral.external_service_name,
        provider_unit_id=provider_unit_id,
        status=referral.status,
        reason=referral.reason,
        outcome=referral.outcome,
        version=referral.version,
    )


def provider_unit_of(session: Session, referral: Referral) -> uuid.UUID | None:
    if referral.service_id is None:
        return None
    return session.scalar(select(Service.provider_unit_id).where(Service.id == referral.service_id))


# A referral still standing: mapping the same service again would only make a duplicate (a
# second tap on the tablet, two people mapping at once). Declined or cancelled, it may be tried
# again.
STANDING_REFERRAL = frozenset(
    {
        ReferralStatus.proposed,
        ReferralStatus.sent,
        ReferralStatus.accepted,
        ReferralStatus.in_progress,
        ReferralStatus.completed,
    }
)


def standing_referral(session: Session, need_id: uuid.UUID, service_id: uuid.UUID) -> bool:
    return (
        session.scalar(
            select(Referral.id).where(
                Referral.need_id == need_id,
                Referral.service_id == service_id,
                Referral.status.in_(STANDING_REFERRAL),
            )
        )
        is not None
    )


def add_referral(
    session: Session, actor: Actor, scope: FamilyScope, need: Need, data: ReferralCreate
) -> Referral:
    scope.require_edit()
    require_standing(need)
    if data.service_id is not None:
        service = session.get(Service, data.service_id)
        if service is None:
            raise Invalid.field("service_id", "No such service in the catalogue")
        if service.status is not ServiceStatus.active:
            raise Invalid.field("service_id", "This service is no longer offered")
        if standing_referral(session, need.id, data.service_id):
            raise Conflict("The need is mapped to this service already.")
    referral = Referral(
        need_id=need.id,
        family_id=need.family_id,
        service_id=data.service_id,
        external_service_name=data.external_service_name,
        status=ReferralStatus.proposed,
        created_by_id=actor.user_id,
    )
    session.add(referral)
    session.flush()
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_status=None,
            to_status=ReferralStatus.proposed,
            user_id=actor.user_id,
            unit_id=actor.acting_unit_in(None),
        )
    )
    audit.record(
        session, actor, AuditAction.create, "referral", referral.id, family_id=need.family_id
    )
    return referral


REFERRAL_TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.proposed: frozenset({ReferralStatus.sent, ReferralStatus.cancelled}),
    ReferralStatus.sent: frozenset(
        {ReferralStatus.accepted, ReferralStatus.declined, ReferralStatus.cancelled}
    ),
    ReferralStatus.accepted: frozenset(
        {ReferralStatus.in_progress, ReferralStatus.completed, ReferralStatus.cancelled}
    ),
    ReferralStatus.in_progress: frozenset({ReferralStatus.completed, ReferralStatus.cancelled}),
    ReferralStatus.declined: frozenset(),
    ReferralStatus.completed: frozenset(),
    ReferralStatus.cancelled: frozenset(),
}
# What the provider unit itself answers; sending and cancelling belong to the plan lead's side.
PROVIDER_STATUSES = frozenset(
    {
        ReferralStatus.accepted,
        ReferralStatus.declined,
        ReferralStatus.in_progress,
        ReferralStatus.completed,
    }
)
CLOSED_REFERRAL = frozenset(
    {ReferralStatus.declined, ReferralStatus.completed, ReferralStatus.cancelled}
)


def update_referral(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    referral: Referral,
    data: ReferralPatch,
    expected_version: int,
) -> Referral:
    provider = provider_unit_of(session, referral)
    if not can_update_assigned(actor, scope.access, provider):
        raise Forbidden("Only the plan lead's side or the providing unit may update a referral.")
    lead_side = scope.access.value == "lead_side"
    given = data.model_fields_set
    if given & {"service_id", "external_service_name"}:
        raise Invalid.field("status", "Correct the service and change the status apart")
    if data.status is None:
        raise Invalid.field("status", "Give the new status")
    new = data.status
    errors: list[FieldError] = []
    if new == referral.status:
        errors.append(FieldError("status", f"The referral is {new.value} already"))
    elif new not in REFERRAL_TRANSITIONS[referral.status]:
        errors.append(
            FieldError("status", f"A {referral.status.value} referral cannot become {new.value}")
        )
    if not lead_side and new not in PROVIDER_STATUSES:
        raise Forbidden("The providing unit may accept, decline, start or complete a referral.")
    reason = (data.reason or "").strip() or None
    if new in (ReferralStatus.declined, ReferralStatus.cancelled) and not reason:
        errors.append(FieldError("reason", f"A reason is required to mark it {new.value}"))
    if new is ReferralStatus.completed and data.outcome is None:
        errors.append(FieldError("outcome", "Give the outcome when the referral is completed"))
    if "outcome" in given and data.outcome is not None and new not in CLOSED_REFERRAL:
        errors.append(FieldError("outcome", "An outcome is given only when the referral closes"))
    if data.outcome is ReferralOutcome.entered_in_error and new is not ReferralStatus.cancelled:
        errors.append(
            FieldError(
                "outcome", "Only the plan lead's side cancels a referral as entered in error"
            )
        )
    if errors:
        raise Invalid(errors)
    check_version(referral.version, expected_version)
    close_referral(session, actor, referral, new, reason, data.outcome, provider)
    return referral


def close_referral(
    session: Session,
    actor: Actor,
    referral: Referral,
    new: ReferralStatus,
    reason: str | None,
    outcome: ReferralOutcome | None,
    provider: uuid.UUID | None,
) -> None:
    """Moves the referral on to ``new`` with its event and audit record (the caller checked the
    change is allowed)."""
    previous = referral.status
    referral.status = new
    referral.reason = reason if reason else referral.reason
    if new in CLOSED_REFERRAL:
        # As given, or none: a cancellation is not the family's refusal unless someone says so.
        referral.outcome = outcome
    referral.updated_at = utcnow()
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_status=previous,
            to_status=new,
            reason=reason,
            outcome=referral.outcome,
            user_id=actor.user_id,
            unit_id=actor.acting_unit_in(provider),
        )
    )
    session.flush()
    audit.record(
        session, actor, AuditAction.update, "referral", referral.id, family_id=referral.family_id
    )


def referral_views(
    referrals: Iterable[ReferralOut],
    catalogue: Mapping[uuid.UUID, tuple[Service, Unit]],
    lang: str,
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The referrals as the pages list them under each need: the service's name in the UI
    language and its provider, or the name written for a service outside the catalogue."""
    by_need: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for referral in referrals:
        entry = catalogue.get(referral.service_id) if referral.service_id else None
        view: dict[str, Any] = {
            "referral": referral,
            "name": referral.external_service_name or "",
            "provider": None,
            "external": entry is None,
            "open": referral.status not in CLOSED_REFERRAL,
            "in_error": referral.outcome is ReferralOutcome.entered_in_error,
        }
        if entry is not None:
            view["name"] = catalogue_service.service_text(entry[0], lang)["name"]
            view["provider"] = entry[1].name
        by_need.setdefault(referral.need_id, []).append(view)
    return by_need
