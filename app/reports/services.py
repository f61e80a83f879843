"""Exports of the supervision report (the XLSX and the printable page): built from the one
selector, and recorded in the audit trail with who, when and which report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from app.accounts.guards import CENTRE_ROLES
from app.audit.services import audit_record
from app.reports.periods import Filters
from app.reports.selectors import Report, overdue_build, report_build
from app.reports.xlsx import report_workbook
from app.web.sessions import CurrentUser


class ReportAction:
    exported = "report_exported"
    printed = "report_printed"


async def report_for(
    user: CurrentUser, filters: Filters, visible: Sequence[dict], *, now: dt.datetime | None = None
) -> Report:
    """The report as `user` may see it: `visible` is their scope (points_in_scope)."""
    return await report_build(filters, visible, every_point=user.role in CENTRE_ROLES, now=now)


async def overdue_for(
    user: CurrentUser, filters: Filters, visible: Sequence[dict], *, now: dt.datetime | None = None
) -> Report:
    """The report's overdue list alone, as `user` may see it (the dashboard's lazy section)."""
    return await overdue_build(filters, visible, every_point=user.role in CENTRE_ROLES, now=now)


async def _audit(user: CurrentUser, report: Report, kind: str, action: str, ip: str) -> None:
    await audit_record(
        action=action,
        actor_id=user.id,
        actor_label=user.username,
        object_type="report",
        object_id=report.period.key,
        ip=ip,
        details={
            "format": kind,
            "filters": [f"{name}={value}" for name, value in report.filters.query()],
            "points": len(report.points),
            "received": report.total.received,
        },
    )


async def report_export_xlsx(
    *, user: CurrentUser, filters: Filters, visible: Sequence[dict], locale: str, ip: str = ""
) -> tuple[Report, bytes]:
    report = await report_for(user, filters, visible)
    data = report_workbook(report, locale=locale, author=user.full_name)
    await _audit(user, report, "xlsx", ReportAction.exported, ip)
    return report, data


async def report_print(
    *, user: CurrentUser, filters: Filters, visible: Sequence[dict], ip: str = ""
) -> Report:
    report = await report_for(user, filters, visible)
    await _audit(user, report, "print", ReportAction.printed, ip)
    return report
