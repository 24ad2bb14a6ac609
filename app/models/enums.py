"""The closed vocabularies of the domain model (DESIGN §3)."""

from __future__ import annotations

import enum


class UnitLevel(enum.StrEnum):
    municipal = "municipal"
    regional = "regional"
    state = "state"
    voluntary = "voluntary"
    private = "private"


class Role(enum.StrEnum):
    caseworker = "caseworker"
    reviewer = "reviewer"
    coordinator = "coordinator"
    admin = "admin"


class Language(enum.StrEnum):
    """A family's language (app/config.py FAMILY_LANGUAGES); an installation offers some."""

    nb = "nb"
    nn = "nn"
    en = "en"
    ar = "ar"
    so = "so"
    uk = "uk"
    pl = "pl"


class MemberRelation(enum.StrEnum):
    """How a family member stands in the household (DESIGN §3 FamilyMember)."""

    parent = "parent"
    child = "child"
    other_adult = "other_adult"


class FamilyStatus(enum.StrEnum):
    active = "active"
    closed = "closed"


class ConsentPurpose(enum.StrEnum):
    share_plan = "share_plan"


class CanvasStatus(enum.StrEnum):
    draft = "draft"
    completed = "completed"


class ServiceStatus(enum.StrEnum):
    active = "active"
    inactive = "inactive"
    defunct = "defunct"


class ReferralStatus(enum.StrEnum):
    proposed = "proposed"
    sent = "sent"
    accepted = "accepted"
    declined = "declined"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"


class ReferralOutcome(enum.StrEnum):
    got_help = "got_help"
    not_eligible = "not_eligible"
    no_capacity = "no_capacity"
    could_not_contact = "could_not_contact"
    no_longer_interested = "no_longer_interested"
    referred_elsewhere = "referred_elsewhere"
    # The referral was mapped by mistake (DESIGN §3, Corrections): nobody decided anything.
    entered_in_error = "entered_in_error"


class GoalHorizon(enum.StrEnum):
    dream = "dream"
    long = "long"
    short = "short"


class GoalLifecycle(enum.StrEnum):
    """FHIR Goal.lifecycleStatus, the subset a family plan uses."""

    proposed = "proposed"
    active = "active"
    on_hold = "on-hold"
    completed = "completed"
    cancelled = "cancelled"
    # Written by mistake (DESIGN §3, Corrections): gone from the plan and the reports.
    entered_in_error = "entered-in-error"


class GoalAchievement(enum.StrEnum):
    """FHIR Goal.achievementStatus: kept apart from the lifecycle."""

    in_progress = "in-progress"
    improving = "improving"
    worsening = "worsening"
    no_change = "no-change"
    achieved = "achieved"
    sustaining = "sustaining"
    not_achieved = "not-achieved"
    no_progress = "no-progress"
    not_attainable = "not-attainable"


class ResponsibleKind(enum.StrEnum):
    family = "family"
    unit = "unit"


class ActionStatus(enum.StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"
    # Written by mistake (DESIGN §3, Corrections): nobody was ever to do it.
    entered_in_error = "entered_in_error"


class NeedStatus(enum.StrEnum):
    """A need stands until it turns out to have been written by mistake (DESIGN §3,
    Corrections); a need is not cancelled, its referrals and actions are."""

    active = "active"
    entered_in_error = "entered_in_error"


class CorrectedRecord(enum.StrEnum):
    """The kinds of item a correction is kept for."""

    need = "need"
    goal = "goal"
    action = "action"
    referral = "referral"


class PlanStatus(enum.StrEnum):
    in_review = "in_review"
    active = "active"
    superseded = "superseded"
    closed = "closed"


class PlanOutcome(enum.StrEnum):
    """Why a plan was closed: the family's follow-up ends with one of these."""

    goals_reached = "goals_reached"
    partly_reached = "partly_reached"
    not_reached = "not_reached"
    family_moved = "family_moved"
    family_withdrew = "family_withdrew"
    transferred = "transferred"


class ReviewStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    changes_requested = "changes_requested"


class HouseholdType(enum.StrEnum):
    """The household type of anonymised statistics (DESIGN §7), kept on the family from its
    household facts so reports group by a plain column."""

    single_parent = "single_parent"
    couple_with_children = "couple_with_children"
    without_children = "without_children"

    @classmethod
    def of(cls, *, children: int, single_parent: bool) -> HouseholdType:
        if children == 0:
            return cls.without_children
        return cls.single_parent if single_parent else cls.couple_with_children


class BarrierCategory(enum.StrEnum):
    regulation = "regulation"
    routine = "routine"
    capacity = "capacity"
    economy = "economy"
    coordination = "coordination"


class ResponsibleLevel(enum.StrEnum):
    municipal = "municipal"
    regional = "regional"
    national = "national"


class BarrierStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class ErasureReason(enum.StrEnum):
    family_request = "family_request"
    registered_in_error = "registered_in_error"
    retention_expired = "retention_expired"
    case_transferred = "case_transferred"


class AuditAction(enum.StrEnum):
    read = "read"
    create = "create"
    update = "update"
    delete = "delete"
    export = "export"
    login = "login"
    login_failed = "login_failed"
    logout = "logout"
    consent_given = "consent_given"
    consent_withdrawn = "consent_withdrawn"


class NotificationChannel(enum.StrEnum):
    """How a user wants word of what waits for them (DESIGN §12): by e-mail, by SMS, or not."""

    email = "email"
    sms = "sms"
    none = "none"


class NotificationKind(enum.StrEnum):
    """What a message says. The family's kinds wait for family members who can be reached
    (app/members); nothing enqueues them yet."""

    review_requested = "review_requested"
    changes_requested = "changes_requested"
    action_due = "action_due"
    consent_expiring = "consent_expiring"
    family_approval_requested = "family_approval_requested"
    family_next_meeting = "family_next_meeting"


class NotificationStatus(enum.StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"
