"""The family's members (DESIGN §3 FamilyMember), recorded by the plan lead's side. Takes a
session and an actor; never commits. The national ID number is encrypted with the data key and
stored with its keyed hash; it is never decrypted to be found, and never returned."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access.actor import Actor, Visitor
from app.access.policy import Reach
from app.access.scope import FamilyScope, record_scope
from app.audit import service as audit
from app.config import Settings
from app.db import new_id, utcnow
from app.kit import crypto, national_id
from app.kit.errors import FieldError, Invalid, NotFound
from app.kit.i18n import N_
from app.members.schemas import (
    FamilyMessageCreate,
    MemberCreate,
    MemberOut,
    MemberPatch,
    NotifyChoice,
)
from app.models import FamilyMember, FamilyMessage
from app.models.enums import AuditAction, MemberRelation, NotificationChannel

# The relations in the plan lead's words (msgids; the pages translate them).
RELATIONS = {
    MemberRelation.parent.value: N_("Parent"),
    MemberRelation.child.value: N_("Child"),
    MemberRelation.other_adult.value: N_("Other adult"),
}

# The channels of the member's notices, in the plan lead's words (msgids).
CHANNELS = {
    NotificationChannel.email.value: N_("By e-mail"),
    NotificationChannel.sms.value: N_("By SMS"),
    NotificationChannel.none.value: N_("No notices"),
}


def this_year() -> int:
    return datetime.now(UTC).year


def member_out(member: FamilyMember) -> MemberOut:
    return MemberOut(
        id=member.id,
        family_id=member.family_id,
        name=member.name,
        relation=member.relation,
        birth_year=member.birth_year,
        language=member.language,
        parental_responsibility=member.parental_responsibility,
        has_national_id=member.national_id_key is not None,
        may_sign_in=member.national_id_key is not None and member.may_sign_in(this_year()),
        email=member.email,
        phone=member.phone,
        notify_channel=member.notify_channel,
        version=member.version,
    )


def list_members(session: Session, actor: Actor, scope: FamilyScope) -> Sequence[FamilyMember]:
    """The family's members, adults first, then by birth year; the read is audited."""
    scope.require_lead_side()
    audit.record_family_read(session, actor, scope.family.id, purpose="members")
    return family_members(session, scope.family.id)


def family_members(session: Session, family_id: uuid.UUID) -> Sequence[FamilyMember]:
    """Every member of a family, adults first, then by birth year (no audit: the caller's read
    of the family records it)."""
    members = session.scalars(select(FamilyMember).where(FamilyMember.family_id == family_id)).all()
    return sorted(
        members,
        key=lambda m: (m.relation is MemberRelation.child, m.birth_year, m.name, str(m.id)),
    )


def concerns_errors(
    session: Session, family_id: uuid.UUID, member_id: uuid.UUID | None
) -> list[FieldError]:
    """Whom a need, goal or action concerns must be a member of its own family: one of
    another family (or none at all) is refused as unknown, telling nothing of it."""
    if member_id is None:
        return []
    member = session.get(FamilyMember, member_id)
    if member is None or member.family_id != family_id:
        return [FieldError("concerns_member_id", "No such member in this family")]
    return []


def member_scope(
    session: Session, actor: Actor, member_id: uuid.UUID
) -> tuple[FamilyMember, FamilyScope]:
    """A member and the family as the actor sees it: the lead side's, else 404."""
    return record_scope(session, actor, FamilyMember, member_id, "family member", Reach.case)


def read_member(
    session: Session, actor: Actor, member: FamilyMember, scope: FamilyScope
) -> FamilyMember:
    audit.record(
        session,
        actor,
        AuditAction.read,
        "family_member",
        member.id,
        family_id=scope.family.id,
    )
    return member


def _check(
    session: Session,
    settings: Settings,
    family_id: uuid.UUID,
    member: FamilyMember,
    number: str | None,
) -> None:
    """What the fields must agree on, whatever else is right about them."""
    errors = list(_channel_errors(member))
    if member.parental_responsibility and member.relation is MemberRelation.child:
        errors.append(("parental_responsibility", "A child has no parental responsibility."))
    if number is not None:
        born = national_id.birth_date(number)
        if born is not None and born.year != member.birth_year:
            errors.append(("birth_year", "The birth year does not match the national ID number."))
        hashes = crypto.data_keys(settings).lookup_hashes(number)
        twin = session.scalar(
            select(FamilyMember.id).where(
                FamilyMember.family_id == family_id,
                FamilyMember.national_id_key.in_(hashes),
                FamilyMember.id != member.id,
            )
        )
        if twin is not None:
            errors.append(("national_id", "Another member of the family has this number."))
    if errors:
        raise Invalid([FieldError(field, message) for field, message in errors])


def _channel_errors(member: FamilyMember) -> list[tuple[str, str]]:
    """A channel needs somewhere to send: e-mail an address, SMS a mobile number."""
    if member.notify_channel is NotificationChannel.email and not member.email:
        return [("email", "Give the e-mail address to send to, or choose no notices.")]
    if member.notify_channel is NotificationChannel.sms and not member.phone:
        return [("phone", "Give the mobile number to send to, or choose no notices.")]
    return []


def _set_number(settings: Settings, member: FamilyMember, number: str | None) -> None:
    if number is None:
        member.national_id_encrypted = None
        member.national_id_key = None
        return
    keys = crypto.data_keys(settings)
    member.national_id_encrypted = keys.encrypt(number)
    member.national_id_key = keys.lookup_hash(number)


def add_member(
    session: Session, actor: Actor, scope: FamilyScope, data: MemberCreate, settings: Settings
) -> FamilyMember:
    scope.require_edit()
    member = FamilyMember(
        id=new_id(),
        family_id=scope.family.id,
        name=data.name,
        relation=data.relation,
        birth_year=data.birth_year,
        language=data.language,
        parental_responsibility=data.parental_responsibility,
        email=data.email,
        phone=data.phone,
        notify_channel=data.notify_channel,
    )
    _check(session, settings, scope.family.id, member, data.national_id)
    _set_number(settings, member, data.national_id)
    session.add(member)
    session.flush()
    audit.record(
        session, actor, AuditAction.create, "family_member", member.id, family_id=scope.family.id
    )
    return member


def update_member(
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    member: FamilyMember,
    data: MemberPatch,
    settings: Settings,
) -> FamilyMember:
    scope.require_edit()
    given = data.model_fields_set
    for field in ("name", "relation", "birth_year", "language", "parental_responsibility"):
        value = getattr(data, field)
        if field in given and value is None:
            raise Invalid.field(field, "This field cannot be empty.")
        if field in given:
            setattr(member, field, value)
    if "notify_channel" in given:
        if data.notify_channel is None:
            raise Invalid.field("notify_channel", "This field cannot be empty.")
        member.notify_channel = data.notify_channel
    for field in ("email", "phone"):  # null forgets them
        if field in given:
            setattr(member, field, getattr(data, field))
    number_given = "national_id" in given
    if number_given:
        _check(session, settings, scope.family.id, member, data.national_id)
        _set_number(settings, member, data.national_id)
    elif "birth_year" in given and member.national_id_encrypted is not None:
        # The one row's number, to see that the new year still agrees with it.
        stored = crypto.data_keys(settings).decrypt(member.national_id_encrypted)
        _check(session, settings, scope.family.id, member, stored)
    else:
        _check(session, settings, scope.family.id, member, None)
    session.flush()
    audit.record(
        session, actor, AuditAction.update, "family_member", member.id, family_id=scope.family.id
    )
    return member


def remove_member(session: Session, actor: Actor, scope: FamilyScope, member: FamilyMember) -> None:
    scope.require_edit()
    session.delete(member)
    session.flush()
    audit.record(
        session, actor, AuditAction.delete, "family_member", member.id, family_id=scope.family.id
    )


def visitor_member(session: Session, visitor: Visitor) -> FamilyMember:
    """The signed-in member's own record (a member removed since signing in: 404)."""
    member = session.get(FamilyMember, visitor.member_id)
    if member is None or member.family_id != visitor.family_id:
        raise NotFound("No such family member.")
    return member


def choose_channel(session: Session, visitor: Visitor, data: NotifyChoice) -> FamilyMember:
    """The member's own choice of channel, on the family's pages: to one the plan lead has
    recorded an address or number for, or none. Audited as the member's."""
    member = visitor_member(session, visitor)
    member.notify_channel = data.notify_channel
    errors = _channel_errors(member)
    if errors:
        raise Invalid([FieldError(field, message) for field, message in errors])
    session.flush()
    audit.record(
        session,
        visitor,
        AuditAction.update,
        "family_member",
        member.id,
        family_id=visitor.family_id,
        purpose="notify_choice",
    )
    return member


def rotate_national_ids(session: Session, settings: Settings) -> int:
    """Every stored number encrypted, and hashed, with the current data key (``duk
    rotate-key``). Raises ``crypto.InvalidToken`` when a value opens with none of the keys."""
    keys = crypto.data_keys(settings)
    moved = 0
    for member in session.scalars(
        select(FamilyMember).where(FamilyMember.national_id_encrypted.is_not(None))
    ):
        assert member.national_id_encrypted is not None
        number = keys.decrypt(member.national_id_encrypted)
        member.national_id_encrypted = keys.encrypt(number)
        member.national_id_key = keys.lookup_hash(number)
        moved += 1
    return moved


# --- messages from the family to the plan lead (DESIGN §12) ----------------------------------
# The text is personal data: it goes in the table and on the two pages that show it, and the
# audit trail names only the message's id.


def send_message(session: Session, visitor: Visitor, data: FamilyMessageCreate) -> FamilyMessage:
    """A member's message to the plan lead, from the family's pages; audited as theirs."""
    message = FamilyMessage(
        family_id=visitor.family_id, member_id=visitor.member_id, text=data.text
    )
    session.add(message)
    session.flush()
    audit.record(
        session,
        visitor,
        AuditAction.create,
        "family_message",
        message.id,
        family_id=visitor.family_id,
        purpose="family_door",
    )
    return message


def family_messages(session: Session, family_id: uuid.UUID) -> Sequence[FamilyMessage]:
    """The family's messages, newest first. The caller has decided who may read them and
    records the read."""
    return session.scalars(
        select(FamilyMessage)
        .where(FamilyMessage.family_id == family_id)
        .order_by(FamilyMessage.created_at.desc(), FamilyMessage.id)
    ).all()


def writers(session: Session, messages: Sequence[FamilyMessage]) -> dict[uuid.UUID, str]:
    """The name of each member who wrote one of ``messages``."""
    ids = {m.member_id for m in messages if m.member_id is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(FamilyMember.id, FamilyMember.name).where(FamilyMember.id.in_(ids))
    )
    return dict(rows.all())


def mark_message_read(session: Session, actor: Actor, message: FamilyMessage) -> None:
    """The plan lead's side has read the message: it leaves the inbox. Marking it again
    changes nothing."""
    if message.read_at is not None:
        return
    message.read_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.update,
        "family_message",
        message.id,
        family_id=message.family_id,
        purpose="message_read",
    )
