"""How the audit trail is told to the family, in plain words (DESIGN §4.5, "who has seen our
data"): each event's action and record in a sentence, the role it was done in, and why. The
trail itself keeps codes, and the API gives them as codes. The words are in the family's
gettext domain (babel-family.cfg): the print the family takes home is in its own language."""

from __future__ import annotations

from app.kit.i18n import N_, translations
from app.models import AuditEvent
from app.models.enums import ErasureReason

WHAT: dict[tuple[str, str], str] = {
    ("read", "family"): N_("opened the family's page"),
    ("read", "canvas"): N_("read the canvas"),
    ("read", "plan"): N_("read the plan"),
    ("read", "need"): N_("looked up services for a need"),
    ("read", "consent"): N_("read the consents"),
    ("read", "audit"): N_("looked at who has seen the data"),
    ("read", "timeline"): N_("read the timeline"),
    ("read", "reading"): N_("read the follow-up scores"),
    ("create", "family"): N_("registered the family"),
    ("create", "canvas"): N_("started a new canvas"),
    ("create", "need"): N_("added a need"),
    ("create", "referral"): N_("mapped a need to a service"),
    ("create", "goal"): N_("added a goal"),
    ("create", "action"): N_("added an action"),
    ("create", "plan"): N_("submitted the plan"),
    ("create", "reading"): N_("recorded follow-up scores"),
    ("create", "review"): N_("reviewed the plan"),
    ("update", "family"): N_("changed the family's details"),
    ("update", "canvas"): N_("changed the canvas"),
    ("update", "need"): N_("changed a need"),
    ("update", "referral"): N_("changed a referral"),
    ("update", "goal"): N_("changed a goal"),
    ("update", "action"): N_("changed an action"),
    ("update", "plan"): N_("changed the plan's status"),
    ("delete", "family"): N_("erased the family's data"),
    ("export", "family"): N_("took out all the family's data"),
    ("export", "plan"): N_("printed the plan as PDF"),
    ("consent_given", "consent"): N_("recorded a consent"),
    ("consent_withdrawn", "consent"): N_("withdrew a consent"),
}
WHAT_BY_PURPOSE: dict[tuple[str, str, str], str] = {
    ("read", "family", "list"): N_("saw the family in the list of families"),
    ("update", "family", "handover"): N_("gave the family a new plan lead"),
    ("read", "consent", "consent_statement"): N_("printed a consent statement"),
    ("update", "need", "correction"): N_("corrected a need"),
    ("update", "goal", "correction"): N_("corrected a goal"),
    ("update", "referral", "correction"): N_("corrected a referral"),
    ("update", "need", "entered_in_error"): N_("marked a need as entered in error"),
    ("update", "goal", "entered_in_error"): N_("marked a goal as entered in error"),
    ("update", "action", "entered_in_error"): N_("marked an action as entered in error"),
    ("read", "need", "history"): N_("read the earlier wording of a need"),
    ("read", "goal", "history"): N_("read the earlier wording of a goal"),
    ("read", "action", "history"): N_("read the earlier wording of an action"),
    ("read", "referral", "history"): N_("read the earlier wording of a referral"),
    ("update", "session", "family_mode_on"): N_("showed the family its own things on the tablet"),
    ("update", "session", "family_mode_off"): N_("signed in again after showing the family"),
}
ACTION_WORDS: dict[str, str] = {
    "read": N_("read the family's data"),
    "create": N_("added to the family's data"),
    "update": N_("changed the family's data"),
    "delete": N_("deleted from the family's data"),
    "export": N_("took out the family's data"),
    "consent_given": N_("recorded a consent"),
    "consent_withdrawn": N_("withdrew a consent"),
}
PURPOSES: dict[str, str] = {
    "audit_trail": N_("to show the family who has seen its data"),
    "share_plan": N_("to share the plan"),
    "handover": N_("handover to a new plan lead"),
    "suggestions": N_("to find services that may help"),
    "consent_statement": N_("for the family to sign"),
    "family_mode": N_("shown to the family on the tablet"),
}
ROLES: dict[str, str] = {
    "caseworker": N_("caseworker"),
    "reviewer": N_("another service"),
    "coordinator": N_("coordinator"),
    "admin": N_("administrator"),
    "family_member": N_("family member"),
}
ERASURE_REASONS: dict[str, str] = {
    ErasureReason.family_request.value: N_("The family asked us to delete its data"),
    ErasureReason.registered_in_error.value: N_("The family was registered by mistake"),
    ErasureReason.retention_expired.value: N_("The time we may keep the data has run out"),
    ErasureReason.case_transferred.value: N_("The case has moved to another municipality"),
}


def describe_event(event: AuditEvent, lang: str) -> dict[str, str]:
    """One audit event in plain words in ``lang``: what was done, in which role, and why."""
    gettext = translations(lang).gettext
    purpose = event.purpose or ""
    what = WHAT_BY_PURPOSE.get((event.action, event.record_type, purpose)) or WHAT.get(
        (event.action, event.record_type), ACTION_WORDS.get(event.action, event.action)
    )
    if purpose.startswith("erasure:"):
        why = ERASURE_REASONS.get(purpose.partition(":")[2], "")
    else:
        why = PURPOSES.get(purpose, "")
    return {
        "what": gettext(what),
        "why": gettext(why) if why else "",
        "role": gettext(ROLES[event.role]) if event.role in ROLES else (event.role or ""),
    }
