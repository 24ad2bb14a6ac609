"""Giving a consent on the family's own pages (DESIGN §12): for a unit the plan lead proposed
(one responsible for actions in the plan, with no consent in force), the member reads the
consent statement in their own language, chooses how long it lasts, confirms, and the consent
is recorded as given by them through ID-porten. The unit reads the plan from the next request."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts import service as account_service
from app.consents import service as consent_service
from app.family import service as family_service
from app.family.pages import decided_by_others
from app.kit.errors import Conflict, Invalid
from app.kit.forms import FormCode
from app.kit.i18n import LOCAL_TIME, N_, local_today, long_date, translations
from app.kit.templating import part_in, render
from app.models import Unit
from app.web.deps import FamilyVisitor, SessionDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# How long a consent the family gives lasts: a year unless they choose otherwise, as on the
# plan lead's consent form; "plan" is offered while the plan's period ends after today.
TERMS = {
    "6m": N_("For 6 months, until %(date)s"),
    "1y": N_("For 1 year, until %(date)s"),
    "plan": N_("Until the plan ends, %(date)s"),
}
DEFAULT_TERM = "1y"
TERM_REFUSED = N_("Choose how long the consent lasts.")


def _months_later(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day where it has fewer (31 August
    and 6 months: 28 or 29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("every month has 28 days")


def _plan_end(session: Session, visitor: FamilyVisitor) -> date | None:
    """The last day of the period of the plan the family's pages show, while it is to come."""
    plan = family_service.shown_plan(session, visitor)
    period = (plan.content.get("period") or {}) if plan else {}
    try:
        end = date.fromisoformat(str(period.get("to")))
    except ValueError:
        return None
    return end if end > local_today() else None


def _term_days(session: Session, visitor: FamilyVisitor) -> dict[str, date]:
    today = local_today()
    days = {"6m": _months_later(today, 6), "1y": _months_later(today, 12)}
    if (end := _plan_end(session, visitor)) is not None:
        days["plan"] = end
    return days


def _give_page(
    request: Request,
    session: Session,
    visitor: FamilyVisitor,
    unit: Unit,
    *,
    status: int,
    term: str = DEFAULT_TERM,
    error: str | None = None,
) -> HTMLResponse:
    scope = family_service.family_scope(session, visitor)
    family = scope.family
    statement = {
        "family": family,
        "units": [unit],
        "lead": account_service.plan_lead(session, family),
        "lead_unit": session.get(Unit, family.lead_unit_id),
        "expires": None,
        "term_below": True,
        "h": 2,
    }
    family_service.record_read(session, visitor, "consent", None, "consent_statement")
    lang = visitor.language
    _ = translations(lang).gettext
    terms = [
        (code, _(TERMS[code]) % {"date": long_date(day, lang)})
        for code, day in _term_days(session, visitor).items()
    ]
    context = {
        "visitor": visitor,
        "unit": unit,
        "error": error,
        "terms": terms,
        "term": term,
        "statement": part_in(request, "consents/_statement.html", statement, lang),
        "may_decide": family_service.may_decide_for_the_family(session, visitor, None),
    }
    return render(request, "family/give.html", context, lang=lang, status_code=status)


@router.get("/familie/samtykker/ny/{unit_id}", name="family_give_page")
def family_give_page(
    request: Request, unit_id: uuid.UUID, visitor: FamilyVisitor, session: SessionDep
) -> HTMLResponse:
    unit = family_service.proposed_unit(session, visitor, unit_id)
    return _give_page(request, session, visitor, unit, status=200)


@router.post("/familie/samtykker/ny/{unit_id}", name="family_give")
def family_give(
    request: Request,
    unit_id: uuid.UUID,
    visitor: FamilyVisitor,
    session: SessionDep,
    confirm: FormCode = "",
    term: FormCode = DEFAULT_TERM,
) -> Response:
    """Given only when confirmed, after the statement was shown, for a term offered, and only
    by a member who may decide it for the family (else 403, and nothing is given)."""
    unit = family_service.proposed_unit(session, visitor, unit_id)
    if not family_service.may_decide_for_the_family(session, visitor, None):
        return decided_by_others(request, visitor, "/familie/samtykker")
    _ = translations(visitor.language).gettext
    day = _term_days(session, visitor).get(term)
    if day is None:
        error = _(TERM_REFUSED)
        return _give_page(request, session, visitor, unit, status=422, error=error)
    if confirm != "yes":
        error = _("Tick the box to confirm.")
        return _give_page(request, session, visitor, unit, status=422, term=term, error=error)
    # To the end of the chosen day in Norway, as the plan lead's form records it.
    expires_at = datetime.combine(day, time(23, 59, 59), tzinfo=LOCAL_TIME)
    try:
        with session.begin_nested():
            consent_service.give_by_member(session, visitor, unit, expires_at)
    except Conflict:
        pass  # given a moment ago, in another tab: the list shows it
    except Invalid:
        return _give_page(request, session, visitor, unit, status=422, error=_(TERM_REFUSED))
    return RedirectResponse("/familie/samtykker?done=given", status_code=303)
