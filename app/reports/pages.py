"""The coordinator's report pages: the four reports with a form of predefined choices, SVG
charts, the same numbers in accessible tables, a CSV download and a print version for a
municipal council. Coordinators only (everyone else 403). Every number comes from
``app.reports.service`` (through small-cell suppression); nothing here counts anything."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import can_read_reports
from app.catalogue import template_store
from app.kit.errors import FieldError, Forbidden, Invalid, NotFound
from app.kit.i18n import local_today, request_language, translations
from app.kit.templating import render, render_later
from app.reports import csv_export
from app.reports import query as report_query
from app.reports import service as report_service
from app.reports.charts import Series, bar_chart, grouped_bar_chart
from app.reports.labels import Labels
from app.reports.protection import Protection, protection_for
from app.reports.query import ReportName
from app.reports.tables import Report, ReportTable
from app.web.deps import PageActor, SessionDep, SettingsDep, TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

# A chart draws one bar per column for each row when there are this few columns (or rows);
# wider tables get one bar per row (its total), and the table below has every cell.
MAX_SERIES = 4
# What a table's chart draws: its first measure (the count suppression works on) unless named.
CHART_MEASURE = {"first_action": "median_days"}
# The fields of the form, as query parameters; group_by is rows[,columns].
FORM_FIELDS = ("rows", "columns", "from", "to")


def _texts(lang: str) -> dict[str, Any]:
    """Titles and the question each report answers, and the names of its tables."""
    _ = translations(lang).gettext
    return {
        "reports": {
            ReportName.needs: (
                _("Need patterns"),
                _(
                    "What do families need: how many families and needs there are by life "
                    "domain, indicator, municipality, period and household."
                ),
            ),
            ReportName.gaps: (
                _("Service gaps"),
                _(
                    "Where services fall short: needs with no referral, referrals declined "
                    "and why, and how long it takes from a need to the first action."
                ),
            ),
            ReportName.outcomes: (
                _("Outcomes"),
                _(
                    "Whether it helps: families' own scores from the first to the latest "
                    "reading, goals achieved and actions done on time."
                ),
            ),
            ReportName.barriers: (
                _("Barriers"),
                _(
                    "Which rules, routines and capacity problems stand in families' way, "
                    "with the texts a coordinator has approved."
                ),
            ),
        },
        "tables": {
            "needs": _("Families and needs"),
            "unreferred": _("Needs with no referral"),
            "declined": _("Declined referrals, by reason"),
            "first_action": _("Days from a need to its first action"),
            "readings": _("The family's own score, first to latest reading"),
            "goals": _("Goals achieved"),
            "actions": _("Actions done by their due date"),
            "barriers": _("Barriers recorded"),
        },
    }


def report_name(name: str) -> ReportName:
    try:
        return ReportName(name)
    except ValueError:
        raise NotFound("No such report.") from None


def _require_coordinator(actor: Actor) -> None:
    if not can_read_reports(actor):
        raise Forbidden("Reports are for coordinators.")


def _labels(session: Session, lang: str) -> Labels:
    row = template_store.latest(session, "familie")
    return Labels(lang, template_store.template_by_id(session, row.id))


# --- the form --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What the form offers and what is chosen (raw values, so a refused choice stays shown)."""

    rows: list[tuple[str, str]]
    columns: list[tuple[str, str]]  # empty: the report takes one dimension only
    periods: list[str]
    chosen: dict[str, str]


def _choices(name: ReportName, labels: Labels, chosen: Mapping[str, str], today: date) -> Choices:
    dimensions = sorted(
        report_query.REPORT_DIMENSIONS[name], key=lambda d: labels.dimension(d.value)
    )
    options = [(d.value, labels.dimension(d.value)) for d in dimensions]
    two = report_query.MAX_DIMENSIONS[name] > 1
    return Choices(
        rows=options,
        columns=options if two else [],
        periods=[p.label for p in report_query.period_choices(today)],
        chosen=dict(chosen),
    )


def _form_values(request: Request) -> dict[str, str]:
    """The form's fields from the query string; anything else in it is ignored."""
    return {f: request.query_params.get(f, "").strip() for f in FORM_FIELDS}


def _default_values(name: ReportName) -> dict[str, str]:
    group_by = report_query.DEFAULT_GROUP_BY[name]
    return {
        "rows": group_by[0].value,
        "columns": group_by[1].value if len(group_by) > 1 else "",
        "from": "",
        "to": "",
    }


def _run(
    session: Session,
    actor: Actor,
    name: ReportName,
    values: Mapping[str, str],
    protection: Protection,
) -> Report:
    """Raises ``Invalid`` (naming rows, from or to) for a choice the report does not take."""
    group_by = ",".join(v for v in (values["rows"], values["columns"]) if v) or None
    try:
        query = report_query.parse_query(
            name,
            group_by=group_by,
            period_from=values["from"] or None,
            period_to=values["to"] or None,
        )
    except Invalid as exc:  # the API's field "group_by" is the form's rows and columns
        raise Invalid(
            [
                FieldError("rows" if e.field == "group_by" else e.field, e.message)
                for e in exc.errors
            ]
        ) from exc
    return report_service.build_report(session, actor, query, protection)


def _field_messages(lang: str) -> dict[str, str]:
    """What to tell the coordinator about a refused choice, in her language."""
    _ = translations(lang).gettext
    return {
        "rows": _("Choose rows and columns from the lists, and not the same for both."),
        "from": _("Choose a period from the list."),
        "to": _("Choose a period from the list that does not end before the first one begins."),
    }


# --- what a page shows -------------------------------------------------------------------------


@dataclass(frozen=True)
class TableView:
    """One table of a report made ready for the template and its chart(s)."""

    key: str
    title: str
    table: ReportTable
    charts: list[Markup]
    row_label: str
    column_label: str


def _charts(
    view_id: str, title: str, table: ReportTable, labels: Labels, hidden: str
) -> list[Markup]:
    measure = CHART_MEASURE.get(table.key, table.measures[0])
    rows = [labels.value(table.row_dimension, r) for r in table.rows]
    chart_title = f"{title}: {labels.measure(measure).lower()}"
    if table.column_dimension is None:
        bars = [(label, table.cell(r)[measure]) for label, r in zip(rows, table.rows, strict=True)]
        return [bar_chart(view_id, chart_title, bars, hidden_label=hidden, fmt=labels.number)]
    columns = [labels.value(table.column_dimension, c) for c in table.columns]
    if len(table.columns) <= MAX_SERIES:
        series = [
            Series(label, [table.cell(r, c)[measure] for r in table.rows])
            for label, c in zip(columns, table.columns, strict=True)
        ]
        return [
            grouped_bar_chart(
                view_id, chart_title, rows, series, hidden_label=hidden, fmt=labels.number
            )
        ]
    if len(table.rows) <= MAX_SERIES:
        series = [
            Series(label, [table.cell(r, c)[measure] for c in table.columns])
            for label, r in zip(rows, table.rows, strict=True)
        ]
        return [
            grouped_bar_chart(
                view_id, chart_title, columns, series, hidden_label=hidden, fmt=labels.number
            )
        ]
    totals = [
        (label, table.row_totals[r][measure]) for label, r in zip(rows, table.rows, strict=True)
    ]
    return [bar_chart(view_id, chart_title, totals, hidden_label=hidden, fmt=labels.number)]


def _views(report: Report, labels: Labels, prefix: str) -> list[TableView]:
    _ = translations(labels.lang).gettext
    names = _texts(labels.lang)["tables"]
    hidden = _("hidden (fewer than %(k)s)") % {"k": report.k}
    views = []
    for table in report.tables:
        title = names.get(table.key, table.key)
        views.append(
            TableView(
                key=table.key,
                title=title,
                table=table,
                charts=_charts(f"{prefix}-{table.key}", title, table, labels, hidden),
                row_label=labels.dimension(table.row_dimension),
                column_label=labels.dimension(table.column_dimension),
            )
        )
    return views


def _query_string(values: Mapping[str, str]) -> str:
    present = {k: v for k, v in values.items() if v}
    return ("?" + urlencode(present)) if present else ""


def _context(
    request: Request,
    session: Session,
    actor: Actor,
    name: ReportName,
    protection: Protection,
    *,
    prefix: str,
) -> tuple[dict[str, Any], int]:
    _require_coordinator(actor)
    lang = request_language(request)
    labels = _labels(session, lang)
    raw = _form_values(request)
    values = raw if any(raw.values()) else _default_values(name)
    title, question = _texts(lang)["reports"][name]
    context: dict[str, Any] = {
        "name": name.value,
        "title": title,
        "question": question,
        "k": protection.base,
        "labels": labels,
        "errors": {},
        "report": None,
        "views": [],
        "barrier_texts": [],
        "made_on": local_today().isoformat(),
        "query_string": _query_string(values),
    }
    try:
        report = _run(session, actor, name, values, protection)
    except Invalid as exc:
        messages = _field_messages(lang)
        context["errors"] = {e.field: messages.get(e.field, messages["rows"]) for e in exc.errors}
        context["choices"] = _choices(name, labels, values, local_today())
        return context, 422
    query = report.query
    chosen = {
        "rows": query.row_dimension.value,
        "columns": query.column_dimension.value if query.column_dimension else "",
        "from": query.period_from.label if query.period_from else "",
        "to": query.period_to.label if query.period_to else "",
    }
    context.update(
        report=report,
        views=_views(report, labels, prefix),
        # The same text recorded in several places is one text to the reader.
        barrier_texts=list(report.texts),
        choices=_choices(name, labels, chosen, local_today()),
        query_string=_query_string(chosen),
    )
    return context, 200


# --- routes --------------------------------------------------------------------------------------


@router.get("/reports", name="reports_index")
def reports_index(
    request: Request, actor: PageActor, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    _require_coordinator(actor)
    texts = _texts(request_language(request))["reports"]
    reports = [(name.value, *texts[name]) for name in ReportName]
    k = protection_for(settings).base
    return render(request, "reports/index.html", {"reports": reports, "k": k})


# Declared before the report page: "/reports/{name}" would otherwise take "<name>.csv".
@router.get("/reports/{name}.csv", name="report_csv")
def report_csv(
    request: Request, name: str, actor: PageActor, session: SessionDep, settings: SettingsDep
) -> Response:
    report = report_name(name)
    context, status = _context(
        request, session, actor, report, protection_for(settings), prefix="chart"
    )
    if context["report"] is None:
        return render(request, "reports/report.html", context, status_code=status)
    made: Report = context["report"]
    return Response(
        csv_export.report_csv(made),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{csv_export.csv_filename(made)}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/reports/{name}/print", name="report_print")
def report_print(
    request: Request, name: str, actor: PageActor, session: SessionDep, settings: SettingsDep
) -> Response:
    report = report_name(name)
    context, status = _context(
        request, session, actor, report, protection_for(settings), prefix="print"
    )
    template = "reports/print.html" if status == 200 else "reports/report.html"
    return render_later(request, template, context, status_code=status)


@router.get("/reports/{name}", name="report_page")
def report_page(
    request: Request, name: str, actor: PageActor, session: SessionDep, settings: SettingsDep
) -> Response:
    report = report_name(name)
    context, status = _context(
        request, session, actor, report, protection_for(settings), prefix="chart"
    )
    return render_later(request, "reports/report.html", context, status_code=status)
