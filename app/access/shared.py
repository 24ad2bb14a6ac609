"""What a consent shares (DESIGN §4.1): a plan version as a unit with the family's consent
receives it, in the API, on the pages, in the print view and the PDF alike.

A frozen plan holds the whole canvas document of the day it was submitted, the worker's own
scores and the indicator codes ticked for anonymous statistics included. The family consents to
share its plan: its own words, needs, goals and who does what by when. This is a whitelist, so a
field the canvas gains later stays with the lead side until someone decides, here, that it is
part of the plan.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Plan

# The family's own description of each part of life and its own score; never the worker's
# score, never the statistics-only indicator codes.
DOMAIN_FIELDS = ("situation", "family_score", "strengths")
# A need in the family's words; its indicator codes are for statistics only.
NEED_FIELDS = ("id", "domain", "text", "priority")
GOAL_FIELDS = (
    "id",
    "horizon",
    "text",
    "domains",
    "target_date",
    "lifecycle_status",
    "achievement_status",
)
ACTION_FIELDS = (
    "id",
    "text",
    "responsible",
    "due",
    "status",
    "reason",
    "need_ids",
    "goal_ids",
    "referral_id",
)
RESPONSIBLE_FIELDS = ("kind", "unit_id", "user_id", "member")
REFERRAL_FIELDS = (
    "id",
    "need_id",
    "service_id",
    "external_service_name",
    "provider_unit_id",
    "status",
    "reason",
    "outcome",
)
PARTICIPANT_FIELDS = ("name", "role", "unit_id", "language")
PLAN_LEAD_FIELDS = ("id", "display_name", "unit_id")
PERIOD_FIELDS = ("from", "to")


def _pick(item: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {name: item[name] for name in fields if name in item}


def _pick_all(items: Any, fields: Iterable[str]) -> list[dict[str, Any]]:
    names = tuple(fields)
    return [_pick(item, names) for item in items or () if isinstance(item, Mapping)]


def _standing(items: Any, leave_out: frozenset[str]) -> list[Any]:
    return [
        item
        for item in items or ()
        if not isinstance(item, Mapping) or str(item.get("id")) not in leave_out
    ]


def shared_plan_content(
    content: Mapping[str, Any], leave_out: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The part of a frozen plan's content that a consented unit receives, without the items
    whose ids are in ``leave_out`` (entered in error since: never part of the family's plan),
    the referrals of such needs, and the links to them."""
    domains = content.get("domains") or {}
    needs = _standing(content.get("needs"), leave_out)
    gone = leave_out
    referrals = [
        r
        for r in _standing(content.get("referrals"), leave_out)
        if not isinstance(r, Mapping) or str(r.get("need_id")) not in gone
    ]
    actions = []
    for action in _standing(content.get("actions"), leave_out):
        if not isinstance(action, Mapping):
            continue
        shared = _pick(action, ACTION_FIELDS)
        if isinstance(action.get("responsible"), Mapping):
            shared["responsible"] = _pick(action["responsible"], RESPONSIBLE_FIELDS)
        for links in ("need_ids", "goal_ids"):
            if isinstance(shared.get(links), list):
                shared[links] = [i for i in shared[links] if str(i) not in gone]
        if str(shared.get("referral_id")) in gone:
            shared["referral_id"] = None
        actions.append(shared)
    centre = content.get("centre") or {}
    return {
        "template_key": content.get("template_key"),
        "template_version": content.get("template_version"),
        "centre": {"what_matters": centre.get("what_matters", "")},
        "domains": {
            key: _pick(values, DOMAIN_FIELDS)
            for key, values in domains.items()
            if isinstance(values, Mapping)
        },
        "participants": _pick_all(content.get("participants"), PARTICIPANT_FIELDS),
        "period": _pick(content.get("period") or {}, PERIOD_FIELDS),
        "next_review_date": content.get("next_review_date"),
        "needs": _pick_all(needs, NEED_FIELDS),
        "referrals": _pick_all(referrals, REFERRAL_FIELDS),
        "goals": _pick_all(_standing(content.get("goals"), leave_out), GOAL_FIELDS),
        "actions": actions,
        "plan_lead": _pick(content.get("plan_lead") or {}, PLAN_LEAD_FIELDS),
    }


def shared_item_ids(session: Session, family_ids: Iterable[uuid.UUID]) -> tuple[set[str], set[str]]:
    """The ids of the actions and referrals that are in a submitted plan version of these
    families: the live items a consented unit may follow. An action written after the last
    version, or on a canvas never submitted, is not yet part of what the family shared."""
    ids = list(family_ids)
    actions: set[str] = set()
    referrals: set[str] = set()
    if not ids:
        return actions, referrals
    for content in session.scalars(select(Plan.content).where(Plan.family_id.in_(ids))):
        actions.update(str(a.get("id")) for a in content.get("actions") or () if a.get("id"))
        referrals.update(str(r.get("id")) for r in content.get("referrals") or () if r.get("id"))
    return actions, referrals
