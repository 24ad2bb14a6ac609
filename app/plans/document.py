"""The family's plan as a document to read: what the preview, the plan page, the print view,
the PDF and the review page show, built from a canvas document or a frozen plan's content (both
have one shape).

Dates are written out in the family's language here, because the same document is also rendered
to PDF, where no browser formats them.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import Session
from starlette.requests import Request

from app.access.policy import can_edit_case
from app.access.scope import FamilyScope
from app.accounts import service as account_service
from app.canvases import service as canvas_service
from app.catalogue import service as catalogue_service
from app.catalogue import template_store
from app.catalogue.template_schema import CanvasTemplateDef
from app.corrections import service as correction_service
from app.kit.errors import FieldError, NotFound
from app.kit.i18n import long_date
from app.kit.municipalities import municipality_name
from app.kit.responses import MadeLater
from app.kit.templating import STATIC_DIR, templates
from app.models import Plan, User
from app.plans.schemas import PlanOut

HORIZONS = ("dream", "long", "short")
# What the family's copy leaves out: an action, a goal or a referral cancelled, or one the
# service said no to, is no part of what the family and the services agreed to do; one entered
# in error never was (DESIGN §3, Corrections). The frozen version keeps them, and the review's
# diff between versions says what left.
LEFT_OUT = frozenset({"cancelled", "entered_in_error"})
GOALS_LEFT_OUT = frozenset({"cancelled", "entered-in-error"})
NOT_GIVEN = frozenset({"cancelled", "declined", "entered_in_error"})


@dataclass(frozen=True)
class DomainView:
    key: str
    title: str
    situation: str
    score: int | None
    stage: str
    strengths: str
    # The language each text is in, when the template lacks the plan's (then bokmål).
    title_lang: str = ""
    stage_lang: str = ""


@dataclass(frozen=True)
class ServiceView:
    """A service the need is mapped to, as the family reads it: its name in the plan's
    language, who gives it, and how to reach it."""

    name: str
    provider: str
    how_to_reach: str
    url: str
    # The catalogue's texts are in bokmål where it has no translation (how to apply, always):
    # the page marks them so (WCAG 3.1.2).
    name_lang: str = "nb"
    how_lang: str = "nb"


@dataclass(frozen=True)
class NeedView:
    domain_title: str
    text: str
    priority: int
    services: tuple[ServiceView, ...] = ()
    domain_title_lang: str = ""


@dataclass(frozen=True)
class GoalView:
    text: str
    target: str  # the target date written out, or ""
    target_iso: str


@dataclass(frozen=True)
class ActionView:
    id: str
    text: str
    kind: str  # "family" | "unit"
    who: str  # the family member, or the unit (and the named person there)
    due: str
    due_iso: str
    status: str


@dataclass(frozen=True)
class ParticipantView:
    name: str
    role: str
    unit: str
    language: str = ""  # an interpreter's: the language interpreted


@dataclass(frozen=True)
class PlanView:
    what_matters: str
    domains: list[DomainView]
    needs: list[NeedView]
    goals: dict[str, list[GoalView]]
    actions: list[ActionView]
    participants: list[ParticipantView]
    period_from: str
    period_to: str
    next_review: str
    lead_name: str
    lead_unit: str

    @property
    def strengths(self) -> list[DomainView]:
        return [d for d in self.domains if d.strengths.strip()]

    @property
    def situations(self) -> list[DomainView]:
        return [d for d in self.domains if d.situation.strip() or d.score is not None]

    @property
    def has_goals(self) -> bool:
        return any(self.goals.values())


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def plan_view(
    session: Session,
    content: dict[str, Any],
    template: CanvasTemplateDef,
    lang: str,
    *,
    lead_unit_id: uuid.UUID | None = None,
    leave_out: frozenset[str] = frozenset(),
) -> PlanView:
    """``content`` is a plan's frozen content (a canvas document dumped as JSON, with
    ``plan_lead``). ``leave_out`` are the ids of items entered in error since the version was
    frozen: never true, they leave every copy of it."""
    unit_names = {u.id: u.name for u in account_service.list_units(session)}

    def unit_name(value: Any) -> str:
        unit_id = _uuid(value)
        return unit_names.get(unit_id, "") if unit_id else ""

    def title(key: str) -> str:
        domain = template.domain(key)
        return domain.title.get(lang) if domain else key

    def title_lang(key: str) -> str:
        domain = template.domain(key)
        return domain.title.language_of(lang) if domain else lang

    domains: list[DomainView] = []
    stored: dict[str, Any] = content.get("domains", {})
    order = [d.key for d in template.domains] + [k for k in stored if template.domain(k) is None]
    for key in order:
        values = stored.get(key)
        if values is None:
            continue
        score = values.get("family_score")
        stage = template.scale.stage_for(score) if score is not None else None
        domains.append(
            DomainView(
                key=key,
                title=title(key),
                situation=values.get("situation") or "",
                score=score,
                stage=stage.label.get(lang) if stage else "",
                strengths=values.get("strengths") or "",
                title_lang=title_lang(key),
                stage_lang=stage.label.language_of(lang) if stage else lang,
            )
        )

    def standing(item: dict[str, Any]) -> bool:
        return str(item.get("id")) not in leave_out

    referrals = [r for r in content.get("referrals", []) if standing(r)]
    services = _services_by_need(session, referrals, lang)
    needs = sorted(
        (
            NeedView(
                domain_title=title(n["domain"]),
                text=n["text"],
                priority=n["priority"],
                services=tuple(services.get(str(n["id"]), ())),
                domain_title_lang=title_lang(n["domain"]),
            )
            for n in content.get("needs", [])
            if standing(n)
        ),
        key=lambda n: n.priority,
    )

    goals: dict[str, list[GoalView]] = {h: [] for h in HORIZONS}
    for goal in content.get("goals", []):
        if goal.get("lifecycle_status") not in GOALS_LEFT_OUT and standing(goal):
            target = goal.get("target_date")
            goals.setdefault(goal["horizon"], []).append(
                GoalView(text=goal["text"], target=long_date(target, lang), target_iso=target or "")
            )

    actions: list[ActionView] = []
    for action in content.get("actions", []):
        if action.get("status") in LEFT_OUT or not standing(action):
            continue  # a cancelled action is no part of what the family agreed to
        responsible = action.get("responsible", {})
        if responsible.get("kind") == "unit":
            who = unit_name(responsible.get("unit_id"))
            user_id = _uuid(responsible.get("user_id"))
            user = session.get(User, user_id) if user_id else None
            if user is not None:
                # "Sara Lie, Skolen": the person, then where she works; no brackets to nest.
                who = f"{user.display_name}, {who}" if who else user.display_name
        else:
            who = responsible.get("member") or ""
        actions.append(
            ActionView(
                id=str(action["id"]),
                text=action["text"],
                kind=responsible.get("kind", "family"),
                who=who,
                due=long_date(action.get("due"), lang),
                due_iso=action.get("due") or "",
                status=action.get("status", "planned"),
            )
        )
    # Who does what by when: soonest first, undated last.
    actions.sort(key=lambda a: (a.due_iso == "", a.due_iso))

    participants = [
        ParticipantView(
            name=p.get("name", ""),
            role=p.get("role", "other"),
            unit=unit_name(p.get("unit_id")),
            language=p.get("language") or "",
        )
        for p in content.get("participants", [])
    ]
    period = content.get("period") or {}
    lead = content.get("plan_lead") or {}
    return PlanView(
        what_matters=(content.get("centre") or {}).get("what_matters", ""),
        domains=domains,
        needs=needs,
        goals=goals,
        actions=actions,
        participants=participants,
        period_from=long_date(period.get("from"), lang),
        period_to=long_date(period.get("to"), lang),
        next_review=long_date(content.get("next_review_date"), lang),
        lead_name=lead.get("display_name") or "",
        lead_unit=unit_name(lead.get("unit_id") or lead_unit_id),
    )


def _services_by_need(
    session: Session, referrals: list[dict[str, Any]], lang: str
) -> dict[str, list[ServiceView]]:
    """The services each need is mapped to and that still stand, oldest first: from the
    catalogue with its provider and how to apply, or as written for one outside it."""
    catalogue = catalogue_service.services_by_id(session)
    by_need: dict[str, list[ServiceView]] = {}
    for referral in referrals:
        if referral.get("status") in NOT_GIVEN:
            continue
        entry = catalogue.get(_uuid(referral.get("service_id")) or uuid.UUID(int=0))
        if entry is not None:
            service, provider = entry
            view = ServiceView(
                name=catalogue_service.service_text(service, lang)["name"],
                provider=provider.name,
                how_to_reach=service.application_process or "",
                url=service.url or "",
                name_lang=lang if (service.translations.get(lang) or {}).get("name") else "nb",
            )
        else:
            # A service outside the catalogue is named as the worker wrote it, in no known
            # language: the page's own.
            name = referral.get("external_service_name") or ""
            view = ServiceView(name=name, provider="", how_to_reach="", url="", name_lang=lang)
        by_need.setdefault(str(referral["need_id"]), []).append(view)
    return by_need


def plan_context(
    session: Session, scope: FamilyScope, plan: Plan, out: PlanOut, lang: str | None = None
) -> dict[str, Any]:
    """What a page showing a submitted plan says of it: the plan page, its print view and PDF
    in the family's language, the review page in the worker's (``lang``)."""
    family = scope.family
    lang = lang or family.language.value
    canvas = canvas_service.load_canvas(session, plan.canvas_id)
    if canvas is None:
        raise NotFound("No such plan.")
    template = template_store.template_of(session, canvas)
    leave_out = correction_service.erroneous_ids(session, family.id)
    return {
        "family": family,
        "record": out,
        "plan": plan_view(
            session,
            out.content,
            template,
            lang,
            lead_unit_id=family.lead_unit_id,
            leave_out=leave_out,
        ),
        "submitted_on": long_date(out.submitted_at, lang),
        "approved_on": long_date(out.family_approved_at, lang),
        "can_edit": can_edit_case(scope.access),
    }


@dataclass(frozen=True)
class MissingItem:
    """One thing an individual plan still lacks, said plainly, with where it is put right."""

    code: str  # needs, goals, resources, actions, responsible, due, participants, ...
    href: str
    action_text: str = ""
    unit_name: str = ""


def missing_items(
    session: Session,
    errors: list[FieldError],
    content: dict[str, Any],
    *,
    canvas_id: uuid.UUID,
    family_id: uuid.UUID,
    first_domain: str | None = None,
) -> list[MissingItem]:
    canvas = f"/canvases/{canvas_id}"
    family = f"/families/{family_id}"
    actions = content.get("actions", [])
    unit_names = {str(u.id): u.name for u in account_service.list_units(session)}
    items: list[MissingItem] = []
    for error in errors:
        field = error.field
        if field.startswith("actions[") and "]" in field:
            index = int(field[len("actions[") : field.index("]")])
            action = actions[index] if index < len(actions) else {}
            code = "due" if field.endswith(".due") else "responsible"
            href = f"{canvas}/actions#action-{action.get('id', '')}"
            items.append(MissingItem(code, href, action_text=action.get("text", "")))
        elif field.startswith("consents."):
            unit_id = field.removeprefix("consents.")
            # The consents page, where the family's consent is recorded in the room.
            items.append(
                MissingItem("consent", f"{family}/consents", unit_name=unit_names.get(unit_id, ""))
            )
        elif field == "participants":
            code = "family_member" if content.get("participants") else "participants"
            items.append(MissingItem(code, f"{canvas}#participants"))
        elif field in ("needs", "goals", "actions"):
            items.append(MissingItem(field, f"{canvas}/{field}"))
        elif field == "resources":
            # Strengths are written per life domain, in the domain editor.
            href = f"{canvas}/domains/{first_domain}" if first_domain else canvas
            items.append(MissingItem(field, href))
        elif field in ("period", "next_review_date"):
            items.append(MissingItem(field, f"{canvas}#plan-period"))
        elif field == "plan_lead":
            items.append(MissingItem(field, family))
        else:
            items.append(MissingItem(field, canvas))
    return items


def print_html(request: Request, context: dict[str, Any], lang: str, *, pdf: bool) -> str:
    """The plan's print view (and the PDF's source) in ``lang``: the family's copy, for the
    plan lead's pages and the family's own alike."""
    values = {
        "request": request,
        "lang": lang,
        "url_for": lambda name, **params: str(request.app.url_path_for(name, **params)),
        "for_pdf": pdf,
        "municipality": municipality_name(context["family"].municipality_code),
        **context,
    }
    return templates(request, lang).get_template("plans/print.html").render(values)


# --- PDF, for the plan lead's side and the family's pages alike --------------------------------

# The print view's HTML is resolved against this made-up origin; the fetcher below serves
# only files under static/ for it and refuses everything else, so rendering a PDF never
# reaches the network or the rest of the file system.
PDF_BASE_URL = "http://duk.pdf/"


def static_only_fetcher(url: str) -> tuple[bytes, str]:
    """The bytes and media type of a static file the print view links to; anything else is
    refused."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != PDF_BASE_URL or not parts.path.startswith("/static/"):
        raise ValueError(f"refusing to fetch {url!r} for a PDF")
    root = Path(STATIC_DIR).resolve()
    path = (root / unquote(parts.path.removeprefix("/static/"))).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ValueError(f"no static file for {url!r}")
    mime = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix, "application/octet-stream"
    )
    return path.read_bytes(), mime


@functools.cache
def _weasyprint() -> tuple[Any, Any]:
    """WeasyPrint and a fetcher for it, on first use: importing it loads pango and fonts."""
    import weasyprint  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            body, mime = static_only_fetcher(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return weasyprint, StaticOnly


def pdf_filename(family_id: uuid.UUID, number: int) -> str:
    """``plan-1a2b3c4d-v2.pdf``: the family by the start of its id, never by a name, since the
    file name travels in e-mails and download folders."""
    return f"plan-{family_id.hex[:8]}-v{number}.pdf"


def html_to_pdf(html: str) -> bytes:
    """A tagged PDF (PDF/UA-1): a structure tree a screen reader follows, in the language of
    the page's ``<html lang>``, the plan's."""
    weasyprint, fetcher = _weasyprint()
    document = weasyprint.HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher())
    pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    assert isinstance(pdf, bytes)
    return pdf


def pdf_response(html: str, filename: str, lang: str) -> MadeLater:
    """The plan as a PDF download. It is rendered after the transaction has committed, so the
    seconds WeasyPrint takes hold no database lock or connection."""
    return MadeLater(
        lambda: html_to_pdf(html),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "Content-Language": lang,
        },
    )
