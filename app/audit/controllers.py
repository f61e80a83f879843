"""The administrators' audit log viewer: who did what to which data, when — filtered, paged
newest first (keyset), exported as CSV, and the hash chain checked on demand. Every view,
export and check is itself recorded in the log."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.response import Redirect, Stream, Template

from app.accounts.guards import requires_role
from app.accounts.tables import Role
from app.audit import selectors, services
from app.audit.labels import (
    ACTION_LABELS,
    OBJECT_LABELS,
    PERSONAL_DATA,
    PERSONAL_DATA_LABEL,
    PROBLEM_LABELS,
    ROLE_LABELS,
)
from app.errors import ValidationError
from app.web.forms import read_form
from app.web.i18n import N_, VN_TZ, request_locale, translator

LOG_PAGE = "/quan-tri/nhat-ky"
ADMIN = [requires_role(Role.admin.value)]
NO_STORE = {"Cache-Control": "no-store"}
LABELS = {
    "actions": ACTION_LABELS,
    "roles": ROLE_LABELS,
    "objects": OBJECT_LABELS,
    "problems": PROBLEM_LABELS,
    "personal_data": (PERSONAL_DATA, PERSONAL_DATA_LABEL),
}


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _link(values: dict[str, str], **cursor: int) -> str:
    params = {k: v for k, v in values.items() if v}
    params.update({k: str(v) for k, v in cursor.items()})
    return f"{LOG_PAGE}?{urlencode(params)}" if params else LOG_PAGE


def _page(
    values: dict, *, errors=None, page=None, verification=None, status: int = 200
) -> Template:
    page = page or {"rows": [], "older": None, "newer": None}
    return Template(
        template_name="audit/log.html",
        context={
            "values": values,
            "errors": errors or {},
            "rows": page["rows"],
            "older_url": _link(values, truoc=page["older"]) if page["older"] else "",
            "newer_url": _link(values, sau=page["newer"]) if page["newer"] else "",
            "actions": selectors.action_choices(),
            "labels": LABELS,
            "verification": verification,
            "filtered": any(values.values()),
        },
        status_code=status,
        headers=NO_STORE,
    )


@get(LOG_PAGE, guards=ADMIN)
async def log_page(request: Request) -> Response:
    params = request.query_params
    values = selectors.filter_values(params)
    checked = selectors.cursor(params.get("kiem-tra"))
    verification = await selectors.verification_entry(checked) if checked else None
    try:
        log_filter = selectors.parse_filter(values)
        before, after = selectors.cursor(params.get("truoc")), selectors.cursor(params.get("sau"))
        page = await selectors.log_page(log_filter, before=before, after=after)
    except ValidationError as exc:
        return _page(values, errors=exc.errors, verification=verification, status=422)
    shown = (
        {"first_seq": page["rows"][0]["seq"], "last_seq": page["rows"][-1]["seq"]}
        if page["rows"]
        else {}
    )
    await services.audit_log_viewed(
        user=request.scope["user"],
        ip=_ip(request),
        filters=log_filter.as_details(),
        page={"rows": len(page["rows"]), **shown},
    )
    return _page(values, page=page, verification=verification)


def _csv_cell(value: object) -> str:
    """Text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_HEADER = (
    N_("Seq"),
    N_("Time (Hanoi)"),
    N_("Username"),
    N_("Role"),
    N_("Action code"),
    N_("Action"),
    N_("Object type"),
    N_("Object"),
    N_("Dossier"),
    N_("IP address"),
    N_("Details"),
)


async def _csv_lines(rows: AsyncIterator[dict], locale: str) -> AsyncIterator[str]:
    tr = translator(locale).gettext
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")  # spreadsheet programs then read UTF-8 (Vietnamese) correctly
    writer.writerow([tr(h) for h in CSV_HEADER])
    count = 0
    async for row in rows:
        role, action = ROLE_LABELS.get(row["actor_role"] or ""), ACTION_LABELS.get(row["action"])
        writer.writerow(
            _csv_cell(v)
            for v in (
                row["seq"],
                row["at_local"].strftime("%Y-%m-%d %H:%M:%S"),
                row["actor_username"] or row["actor_label"],
                tr(role) if role else "",
                row["action"],
                tr(action) if action else "",
                row["object_type"],
                row["object_id"],
                row["dossier_code"],
                row["ip"],
                json.dumps(row["details"], ensure_ascii=False, sort_keys=True),
            )
        )
        count += 1
        if count % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


@post(LOG_PAGE + "/xuat", guards=ADMIN)
async def log_export(request: Request) -> Response:
    values = selectors.filter_values(await read_form(request))
    try:
        log_filter = selectors.parse_filter(values)
        if log_filter.subject:
            await selectors.resolve_subject(log_filter.subject)
    except ValidationError as exc:
        return _page(values, errors=exc.errors, status=422)
    await services.audit_log_exported(
        user=request.scope["user"],
        ip=_ip(request),
        filters=log_filter.as_details(),
        limit=selectors.EXPORT_MAX,
    )
    stamp = dt.datetime.now(VN_TZ).strftime("%Y%m%d-%H%M")
    return Stream(
        _csv_lines(selectors.export_rows(log_filter), request_locale(request)),
        media_type="text/csv; charset=utf-8",
        status_code=200,
        headers={
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="nhat-ky-truy-cap-{stamp}.csv"',
        },
    )


def _chain_lock(request: Request) -> asyncio.Lock:
    lock = request.app.state.get("audit_chain_lock")
    if lock is None:
        lock = request.app.state["audit_chain_lock"] = asyncio.Lock()
    return lock


@post(LOG_PAGE + "/kiem-tra", guards=ADMIN)
async def chain_check(request: Request) -> Response:
    htmx = request.headers.get("hx-request") == "true"
    try:
        seq = await services.audit_chain_check(
            user=request.scope["user"], ip=_ip(request), lock=_chain_lock(request)
        )
    except services.ChainCheckBusy as exc:
        if not htmx:
            raise
        return Template(
            template_name="audit/partials/_verify.html",
            context={"verification": None, "busy": exc, "labels": LABELS},
            headers=NO_STORE,
        )
    if htmx:
        return Template(
            template_name="audit/partials/_verify.html",
            context={
                "verification": await selectors.verification_entry(seq),
                "busy": None,
                "labels": LABELS,
            },
            headers=NO_STORE,
        )
    return Redirect(path=f"{LOG_PAGE}?kiem-tra={seq}#kiem-tra", status_code=303)


ROUTES = [log_page, log_export, chain_check]
