"""The report API for coordinators (DESIGN §8): JSON and CSV of the same suppressed report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from app.config import Settings
from app.kit.errors import FieldError, Invalid
from app.reports import csv_export
from app.reports import query as report_query
from app.reports import service as report_service
from app.reports.protection import protection_for
from app.reports.query import QUERY_PARAMETERS, ReportName
from app.reports.schemas import ReportDocument, report_document
from app.reports.tables import Report
from app.web.deps import CurrentActor, SessionDep, SettingsDep, TransactionalRoute
from app.web.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["reports"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)


def _report(
    name: ReportName, request: Request, session: SessionDep, actor: CurrentActor, settings: Settings
) -> Report:
    params = request.query_params
    # No free filters (DESIGN §7): any other parameter, or one given twice, is refused.
    errors = [
        FieldError(key, "Not a parameter of reports; use group_by, from and to.")
        for key in params
        if key not in QUERY_PARAMETERS
    ] + [
        FieldError(key, "Give this parameter once.")
        for key in QUERY_PARAMETERS
        if len(params.getlist(key)) > 1
    ]
    if errors:
        raise Invalid(errors)
    query = report_query.parse_query(
        name,
        group_by=params.get("group_by"),
        period_from=params.get("from"),
        period_to=params.get("to"),
    )
    return report_service.build_report(session, actor, query, protection_for(settings))


def _json_route(name: ReportName) -> Callable[..., dict[str, Any]]:
    def read_report(
        request: Request, session: SessionDep, actor: CurrentActor, settings: SettingsDep
    ) -> dict[str, Any]:
        return report_document(_report(name, request, session, actor, settings))

    read_report.__name__ = f"read_{name.value}_report"
    return read_report


def _csv_route(name: ReportName) -> Callable[..., Response]:
    def download_report(
        request: Request, session: SessionDep, actor: CurrentActor, settings: SettingsDep
    ) -> Response:
        report = _report(name, request, session, actor, settings)
        filename = csv_export.csv_filename(report)
        return Response(
            csv_export.report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    download_report.__name__ = f"download_{name.value}_report"
    return download_report


for _name in ReportName:
    router.add_api_route(
        f"/reports/{_name.value}.csv",
        _csv_route(_name),
        methods=["GET"],
        name=f"reports_{_name.value}_csv",
        summary=f"The {_name.value} report as CSV (coordinators)",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}}},
    )
    router.add_api_route(
        f"/reports/{_name.value}",
        _json_route(_name),
        methods=["GET"],
        name=f"reports_{_name.value}",
        summary=f"The {_name.value} report (coordinators; small cells suppressed)",
        response_model=ReportDocument,
        response_model_by_alias=True,
    )
