"""Pages of the plans room: the plan preview with what it still lacks, submitting it, the
submitted plan, its print view and its PDF. All in the family's language (DESIGN §5)."""

from __future__ import annotations

import functools
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.types import Receive, Scope, Send

from app.access.actor import Actor
from app.access.policy import can_edit_case
from app.access.scope import FamilyScope, record_scope
from app.audit import service as audit
from app.canvases import service as canvas_service
from app.canvases.schemas import CanvasOut
from app.deps import PageActor, SessionDep, TransactionalRoute
from app.families import service as family_service
from app.kit.errors import Invalid, NotFound
from app.kit.templating import STATIC_DIR, environment, render
from app.models import Canvas, Plan
from app.models.enums import AuditAction
from app.plans import document as plan_doc
from app.plans import service as plan_service
from app.plans.schemas import PlanOut

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


# --- the preview and submitting -------------------------------------------------------------


def _preview(
    request: Request,
    session: Session,
    actor: Actor,
    scope: FamilyScope,
    canvas: Canvas,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    family = scope.family
    lang = family.language.value
    document: CanvasOut = canvas_service.read_canvas(session, actor, canvas)
    content = document.model_dump(mode="json", by_alias=True)
    lead = family_service.plan_lead(session, family)
    content["plan_lead"] = {"display_name": lead.display_name, "unit_id": str(family.lead_unit_id)}
    template = canvas_service.template_of(session, canvas)
    errors, _asked = plan_service.completeness(session, scope, document)
    return render(
        request,
        "plans/preview.html",
        {
            "family": family,
            "canvas": canvas,
            "plan": plan_doc.plan_view(session, content, template, lang),
            "missing": plan_doc.missing_items(
                session,
                errors,
                content,
                canvas_id=canvas.id,
                family_id=family.id,
                first_domain=template.domains[0].key,
            ),
            "can_submit": can_edit_case(scope.access),
            "submit_failed": status_code == 422,
        },
        status_code=status_code,
        lang=lang,
    )


def _canvas_for(session: Session, actor: Actor, canvas_id: uuid.UUID) -> tuple[Canvas, FamilyScope]:
    _, scope = record_scope(session, actor, Canvas, canvas_id, "canvas")
    canvas = canvas_service.load_canvas(session, canvas_id)
    if canvas is None:
        raise NotFound("No such canvas.")
    return canvas, scope


@router.get("/canvases/{canvas_id}/plan", name="plan_preview")
def plan_preview(
    request: Request, canvas_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    canvas, scope = _canvas_for(session, actor, canvas_id)
    return _preview(request, session, actor, scope, canvas)


@router.post("/canvases/{canvas_id}/plans", name="plan_submit")
def plan_submit(
    request: Request, canvas_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> Response:
    canvas, scope = _canvas_for(session, actor, canvas_id)
    try:
        plan = plan_service.submit_plan(session, actor, scope, canvas)
    except Invalid:
        # Completeness is checked before anything is written: show the list again.
        return _preview(request, session, actor, scope, canvas, status_code=422)
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


# --- a submitted plan -----------------------------------------------------------------------


def _plan_for(session: Session, actor: Actor, plan_id: uuid.UUID) -> tuple[Plan, FamilyScope]:
    _, scope = record_scope(session, actor, Plan, plan_id, "plan")
    plan = plan_service.load_plan(session, plan_id)
    if plan is None:
        raise NotFound("No such plan.")
    return plan, scope


def _plan_context(session: Session, scope: FamilyScope, plan: Plan, out: PlanOut) -> dict[str, Any]:
    family = scope.family
    lang = family.language.value
    canvas = canvas_service.load_canvas(session, plan.canvas_id)
    if canvas is None:
        raise NotFound("No such plan.")
    template = canvas_service.template_of(session, canvas)
    return {
        "family": family,
        "record": out,
        "plan": plan_doc.plan_view(
            session, out.content, template, lang, lead_unit_id=family.lead_unit_id
        ),
        "submitted_on": plan_doc.long_date(out.submitted_at, lang),
        "approved_on": plan_doc.long_date(out.family_approved_at, lang),
        "can_edit": can_edit_case(scope.access),
    }


def _print_html(request: Request, context: dict[str, Any], lang: str, *, pdf: bool) -> str:
    values = {
        "request": request,
        "lang": lang,
        "url_for": lambda name, **params: str(request.app.url_path_for(name, **params)),
        "for_pdf": pdf,
        **context,
    }
    return environment(lang).get_template("plans/print.html").render(values)


# Declared before plan_page: "/plans/{plan_id}" would otherwise take "<id>.pdf" as its id.
@router.get("/plans/{plan_id}.pdf", name="plan_pdf")
def plan_pdf(
    request: Request, plan_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> Response:
    plan, scope = _plan_for(session, actor, plan_id)
    out = plan_service.plan_document(session, plan)
    audit.record(session, actor, AuditAction.export, "plan", plan.id, family_id=plan.family_id)
    lang = scope.family.language.value
    html = _print_html(request, _plan_context(session, scope, plan, out), lang, pdf=True)
    return PdfResponse(html, filename=f"plan-{out.number}.pdf", lang=lang)


@router.get("/plans/{plan_id}/print", name="plan_print")
def plan_print(
    request: Request, plan_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    plan, scope = _plan_for(session, actor, plan_id)
    out = plan_service.read_plan(session, actor, plan)
    lang = scope.family.language.value
    html = _print_html(request, _plan_context(session, scope, plan, out), lang, pdf=False)
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Content-Language": lang})


@router.get("/plans/{plan_id}", name="plan_page")
def plan_page(
    request: Request, plan_id: uuid.UUID, actor: PageActor, session: SessionDep
) -> HTMLResponse:
    plan, scope = _plan_for(session, actor, plan_id)
    out = plan_service.read_plan(session, actor, plan)
    lang = scope.family.language.value
    return render(request, "plans/plan.html", _plan_context(session, scope, plan, out), lang=lang)


# --- PDF ------------------------------------------------------------------------------------

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


def html_to_pdf(html: str) -> bytes:
    weasyprint, fetcher = _weasyprint()
    pdf = weasyprint.HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher()).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


class PdfResponse(Response):
    """A plan as PDF. The HTML is made inside the request's transaction; the PDF is rendered
    after it has committed, so the seconds WeasyPrint takes hold no database lock or
    connection."""

    media_type = "application/pdf"

    def __init__(self, html: str, *, filename: str, lang: str) -> None:
        self.html = html
        super().__init__(
            content=b"",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
                "Content-Language": lang,
            },
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.body = await run_in_threadpool(html_to_pdf, self.html)
        self.headers["content-length"] = str(len(self.body))
        await super().__call__(scope, receive, send)
