"""Anonymised reports for coordinators (DESIGN §7): need patterns, service gaps, outcomes and
barriers, built from structured fields only and always passed through small-cell suppression.

A report is a set of tables. Every table counts *families* (barriers: barriers) per cell of a
row dimension and an optional column dimension, with row, column and grand totals; the counts go
through ``app.reports.protection`` (small counts hidden, every other count rounded by its cell
key) and every other measure of a cell (needs, referrals, a median) is hidden exactly when its
cell is. The JSON API, the CSV download and the pages' charts all read the same ``Report``, so
none of them can publish what the others hide.

A report is made in stages, a module each beside this one: ``query`` (what may be asked),
``sql`` (facts counted into grids), ``builders`` (the four reports), ``tables`` (grids published
as suppressed tables) and ``csv_export`` (the download). Routes and pages build a report only
through ``build_report`` here, so none is built without the coordinator check.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.access.policy import can_read_reports
from app.kit.errors import Forbidden
from app.kit.i18n import N_
from app.reports.builders import BUILDERS, approved_texts
from app.reports.protection import Protection
from app.reports.query import ReportName, ReportQuery
from app.reports.tables import Report

FOOTNOTE_SUPPRESSED = N_(
    "Cells counting fewer than %(k)s families are not shown. Every other number is rounded to a "
    "multiple of %(k)s, up or down, and the same number is given each time it is asked for; so "
    "no hidden count can be worked out by subtracting numbers from each other or from a total. "
    "Totals are rounded on their own and can differ from the sum of their rows."
)


def build_report(
    session: Session, actor: Actor, query: ReportQuery, protection: Protection
) -> Report:
    """Run ``query`` for a coordinator (``Forbidden`` for anyone else) and publish every table
    through ``protection`` (``Protection.for_installation(settings.report_min_cell, ...)``)."""
    if not can_read_reports(actor):
        raise Forbidden("Reports are for coordinators.")
    tables, footnotes = BUILDERS[query.report](session, query, protection)
    texts = approved_texts(session, query) if query.report is ReportName.barriers else ()
    return Report(
        query.report, protection.base, query, tables, (FOOTNOTE_SUPPRESSED, *footnotes), texts
    )
