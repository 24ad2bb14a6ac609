"""All ORM models, imported here so Alembic and the tests see the whole schema."""

from app.db import Base
from app.models.action import Action, ActionEvent, action_goal, action_need
from app.models.audit import AuditEvent
from app.models.barrier import Barrier
from app.models.canvas import Canvas, CanvasDomain
from app.models.canvas_template import CanvasTemplate
from app.models.consent import Consent
from app.models.correction import Correction
from app.models.family import Family, PlanLeadChange
from app.models.family_message import FamilyMessage
from app.models.family_session import FamilySession
from app.models.goal import Goal
from app.models.idempotency import IdempotentRequest
from app.models.member import FamilyMember
from app.models.need import Need, NeedIndicator
from app.models.notification import Notification, NotificationSetting
from app.models.plan import Plan, PlanReview
from app.models.reading import Reading
from app.models.referral import Referral, ReferralEvent
from app.models.service import Service
from app.models.token import ApiToken, LoginAttempt
from app.models.unit import Unit
from app.models.user import RecoveryCode, User, user_unit

__all__ = [
    "Action",
    "ActionEvent",
    "ApiToken",
    "AuditEvent",
    "Barrier",
    "Base",
    "Canvas",
    "CanvasDomain",
    "CanvasTemplate",
    "Consent",
    "Correction",
    "Family",
    "FamilyMember",
    "FamilyMessage",
    "FamilySession",
    "Goal",
    "IdempotentRequest",
    "LoginAttempt",
    "Need",
    "NeedIndicator",
    "Notification",
    "NotificationSetting",
    "Plan",
    "PlanLeadChange",
    "PlanReview",
    "Reading",
    "Referral",
    "ReferralEvent",
    "Service",
    "Unit",
    "RecoveryCode",
    "User",
    "action_goal",
    "action_need",
    "user_unit",
]
