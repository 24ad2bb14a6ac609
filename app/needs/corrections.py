"""Corrections of a need and of the service a need is mapped to (DESIGN §3, Corrections): the
need's words, domain, priority and signs, a referral's service, each with its earlier wording
kept in its history; and a need entered in error, which takes its open referrals and the open
actions serving only it along. ``patch_referral`` is the API's one way into a referral: a
status change (``service.update_referral``) or a correction of its service.

Takes a session and an actor; never commits. Access is decided by ``app.access`` before a
function here is called; every function here is the plan lead's side's
(``scope.require_edit()``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.scope import FamilyScope
from app.catalogue import template_store
from app.corrections import service as correction_service
from app.db import utcnow
from app.kit.concurrency import check_version
from app.kit.errors import Conflict, FieldError, Invalid
from app.members import service as member_service
from app.models import (
    Canvas,
    Need,
    NeedIndicator,
    Referral,
    Service,
)
from app.models.enums import (
    CorrectedRecord,
    NeedStatus,
    ReferralOutcome,
    ReferralStatus,
    ServiceStatus,
)
from app.needs import service as need_service
from app.needs.schemas import NeedPatch, ReferralPatch


def _need_values(need: Need) -> dict[str, Any]:
    return {
        "text": need.text,
        "domain": need.domain,
        "priority": need.priority,
        "indicators": list(need.indicators),
        "concerns_member_id": need.concerns_member_id,
    }


def correct_need(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    need: Need,
    data: NeedPatch,
    expected_version: int,
) -> Need:
    """Corrects the need's words, domain, priority or indicators, keeping what it said before in
    its history; or marks it entered in error (``mark_need_in_error``)."""
    scope.require_edit()
    need_service.require_standing(need)
    given = data.model_fields_set - {"reason"}
    errors = [
        FieldError(field, "Cannot be null")
        for field in ("text", "domain", "priority", "indicators", "status")
        if field in given and getattr(data, field) is None
    ]
    if data.status is not None and given != {"status"}:
        errors.append(FieldError("status", "Mark a need entered in error on its own"))
    elif data.status is NeedStatus.active:
        errors.append(FieldError("status", "Only entered_in_error can be set"))
    canvas = session.get(Canvas, need.canvas_id)
    assert canvas is not None  # a need always belongs to a canvas (foreign key)
    template = template_store.template_of(session, canvas)
    domain = data.domain or need.domain
    if template.domain(domain) is None:
        errors.append(FieldError("domain", f"Unknown domain {domain!r}"))
    elif data.indicators is not None:
        errors += template_store.indicator_errors(template, domain, data.indicators, "indicators")
    if "concerns_member_id" in given:
        errors += member_service.concerns_errors(session, need.family_id, data.concerns_member_id)
    if errors:
        raise Invalid(errors)
    check_version(need.version, expected_version)
    reason = (data.reason or "").strip() or None
    if data.status is NeedStatus.entered_in_error:
        mark_need_in_error(session, actor, need, reason)
        return need
    if data.indicators is not None:
        indicators = list(dict.fromkeys(data.indicators))
    else:
        # A new domain keeps none of the old one's codes: each names its domain.
        indicators = [
            code
            for code in need.indicators
            if not template_store.indicator_errors(template, domain, [code], "indicators")
        ]
    before = _need_values(need)
    if data.text is not None:
        need.text = data.text
    need.domain = domain
    if data.priority is not None:
        need.priority = data.priority
    if "concerns_member_id" in given:
        need.concerns_member_id = data.concerns_member_id
    if indicators != need.indicators:
        need.indicators = indicators
        session.execute(delete(NeedIndicator).where(NeedIndicator.need_id == need.id))
        session.add_all(NeedIndicator(need_id=need.id, code=code) for code in indicators)
    changes = correction_service.changes_between(before, _need_values(need))
    if not changes:
        return need
    # The version_id_col makes this flush an UPDATE ... WHERE version = <the one read>: a save
    # racing ours between the check above and here fails with StaleDataError (412), not lost.
    session.flush()
    correction_service.keep(
        session,
        actor,
        CorrectedRecord.need,
        need,
        changes,
        canvas_id=need.canvas_id,
        reason=reason,
        purpose="correction",
    )
    return need


def open_referrals_of(session: Session, need_id: uuid.UUID) -> list[Referral]:
    return list(
        session.scalars(
            select(Referral)
            .where(
                Referral.need_id == need_id, Referral.status.not_in(need_service.CLOSED_REFERRAL)
            )
            .order_by(Referral.created_at, Referral.id)
        )
    )


def mark_need_in_error(session: Session, actor: Actor, need: Need, reason: str | None) -> None:
    """The need was written by mistake: it leaves the plan, the suggestions and the reports and
    stays in its history. Its open referrals are cancelled as entered in error, and its open
    actions that serve nothing else are marked entered in error with it, so nothing is left in
    the plan for a need that never was."""
    previous = need.status
    need.status = NeedStatus.entered_in_error
    session.flush()
    correction_service.keep(
        session,
        actor,
        CorrectedRecord.need,
        need,
        [{"field": "status", "before": previous.value, "after": need.status.value}],
        canvas_id=need.canvas_id,
        reason=reason,
        purpose="entered_in_error",
    )
    follows = reason or "The need was entered in error."
    for referral in open_referrals_of(session, need.id):
        need_service.close_referral(
            session,
            actor,
            referral,
            ReferralStatus.cancelled,
            follows,
            ReferralOutcome.entered_in_error,
            None,
        )
    for action in correction_service.lone_actions_of(session, need.id):
        correction_service.mark_action_in_error(session, actor, action, follows)


# --- a referral's service -------------------------------------------------------------------


def correct_referral(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    referral: Referral,
    data: ReferralPatch,
    expected_version: int,
) -> Referral:
    """Corrects the service a need is mapped to: another service of the catalogue while the
    referral is still proposed (once sent, the service has it: cancel it as entered in error
    and map the right one), or the name written for one outside the catalogue. The earlier
    service stays in the referral's history."""
    scope.require_edit()
    errors: list[FieldError] = []
    given = data.model_fields_set & {"service_id", "external_service_name"}
    if len(given) != 1 or (data.service_id is None and data.external_service_name is None):
        errors.append(FieldError("service_id", "Give either service_id or external_service_name"))
    service = None
    if data.service_id is not None:
        service = session.get(Service, data.service_id)
        if service is None:
            errors.append(FieldError("service_id", "No such service in the catalogue"))
        elif service.status is not ServiceStatus.active:
            errors.append(FieldError("service_id", "This service is no longer offered"))
    if errors:
        raise Invalid(errors)
    need = session.get(Need, referral.need_id)
    assert need is not None  # a referral always belongs to a need (foreign key)
    need_service.require_standing(need)
    if referral.status in need_service.CLOSED_REFERRAL:
        raise Conflict(f"The referral is {referral.status.value}: it is no longer corrected.")
    if referral.status is not ReferralStatus.proposed and (
        data.service_id is not None or referral.service_id is not None
    ):
        raise Conflict(
            "The referral has been sent to the service: cancel it as entered in error and map "
            "the right service instead."
        )
    if (
        data.service_id is not None
        and data.service_id != referral.service_id
        and need_service.standing_referral(session, referral.need_id, data.service_id)
    ):
        raise Conflict("The need is mapped to this service already.")
    check_version(referral.version, expected_version)
    before = {
        "service_id": referral.service_id,
        "external_service_name": referral.external_service_name,
    }
    referral.service_id = data.service_id
    referral.external_service_name = data.external_service_name
    changes = correction_service.changes_between(
        before,
        {
            "service_id": referral.service_id,
            "external_service_name": referral.external_service_name,
        },
    )
    if not changes:
        return referral
    referral.updated_at = utcnow()
    session.flush()
    correction_service.keep(
        session,
        actor,
        CorrectedRecord.referral,
        referral,
        changes,
        canvas_id=need.canvas_id,
        reason=(data.reason or "").strip() or None,
        purpose="correction",
    )
    return referral


def patch_referral(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    referral: Referral,
    data: ReferralPatch,
    expected_version: int,
) -> Referral:
    """PATCH /referrals/{id}: a correction of the service (the plan lead's side), or a status
    change with its reason and outcome (the lead side or the providing unit). Not both."""
    given = data.model_fields_set
    if given & {"service_id", "external_service_name"}:
        scope.require_edit()
        if given & {"status", "outcome"}:
            raise Invalid.field("status", "Correct the service and change the status apart")
        return correct_referral(session, actor, scope, referral, data, expected_version)
    return need_service.update_referral(session, actor, scope, referral, data, expected_version)
