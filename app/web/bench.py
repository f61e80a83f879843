"""Routes for the server benchmark (`make bench-server`), mounted only with BENCH_ROUTES=1.

- `/__bench/tran`: the ceiling, a bare handler rendering a trivial template through the same
  app (middleware, CSRF, security headers, compression);
- `/__bench/trang-thai` and `/__bench/danh-sach`: the citizen status page and the agent's
  dossier list rendered by their real templates and context builders from in-memory rows of
  the same shape as the database gives (one dossier with 8 events; 25 list rows), so that
  the cost of reading the database can be told from the cost of rendering.

They read nothing from the database and show nothing real; still, they are never mounted
unless the setting asks for them.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from litestar import Request, Response, get
from litestar.response import Template

from app.db import Row
from app.dossiers.selectors import today_local, with_overdue
from app.dossiers.states import FINAL, S
from app.web.sessions import CurrentUser

_T0 = dt.datetime(2025, 11, 3, 2, 15, 7, 120000, tzinfo=dt.UTC)
TOKEN = "bench-nodb-token-000000000000000"  # noqa: S105 - not a secret


@cache
def _status_row() -> dict:
    steps = [
        ("", "draft", "user", ""),
        ("draft", "ready", "user", ""),
        ("ready", "submitted", "user", ""),
        ("submitted", "received", "portal", ""),
        ("received", "processing", "portal", ""),
        ("processing", "supplement_requested", "portal", "Bổ sung bản sao giấy khai sinh"),
        ("supplement_requested", "processing", "portal", ""),
        ("processing", "resolved", "portal", ""),
        ("resolved", "result_returned", "portal", ""),
    ]
    events = [
        Row(
            at=_T0 + dt.timedelta(hours=17 * i),
            from_status=a,
            to_status=b,
            actor_kind=who,
            reason=reason,
        )
        for i, (a, b, who, reason) in enumerate(steps)
    ][::-1]
    return Row(
        {
            "id": 1,
            "reference": "DL-B-0001-251103-0001",
            "portal_code": "H26.00000001",
            "status": "result_returned",
            "version": 9,
            "updated_at": events[0]["at"],
            "due_date": dt.date(2025, 11, 20),
            "created_at": _T0,
            "submitted_at": _T0 + dt.timedelta(hours=34),
            "received_at": _T0 + dt.timedelta(hours=51),
            "result_delivery": "pickup",
            "supplement_note": "Bổ sung bản sao giấy khai sinh",
            "procedure_name": "Đăng ký khai sinh",
            "processing_days": 3,
            "point_name": "Điểm đại lý thử 1",
            "point_address": "Số 1 đường Làng",
            "point_commune": "Xã Thử",
            "point_district": "Ba Vì",
            "applicant_name": "N. V. An",
            "applicant_phone": "09******78",
            "events": events,
            "latest_reason": "",
            "delivery": None,
            "code": "H26.00000001",
            "is_final": S("result_returned") in FINAL,
            "overdue": False,
            "rating": None,
        }
    )


def _list_rows() -> list[dict]:
    statuses = ["draft", "ready", "submitted", "received", "processing"]
    rows = [
        Row(
            {
                "id": 100 + i,
                "reference": f"DL-B-0001-251123-{i + 1:04d}",
                "portal_code": f"H26.{100 + i:08d}" if i % 5 > 1 else None,
                "status": statuses[i % 5],
                "due_date": dt.date(2025, 11, 28) if i % 5 > 2 else None,
                "created_at": _T0 - dt.timedelta(minutes=11 * i),
                "finished_at": None,
                "procedure_name": "Đăng ký khai sinh",
                "applicant_name": f"Nguyễn Văn An {i}",
            }
        )
        for i in range(25)
    ]
    return with_overdue(rows, today_local())


BENCH_USER = CurrentUser(
    id=1,
    username="daily.0001",
    full_name="Nhân viên 1",
    role="agent",
    point_id=1,
    organisation_id=1,
)
BENCH_POINT = Row(id=1, code="DL-B-0001", name="Điểm đại lý thử 1", district="Ba Vì")


@get("/__bench/tran", sync_to_thread=False, include_in_schema=False)
def ceiling() -> Response:
    return Template(template_name="bench/ceiling.html", context={"n": 1})


@get("/__bench/trang-thai", include_in_schema=False)
async def status_nodb(request: Request) -> Response:
    """As the status page of a dossier whose result was handed over and not yet rated (what
    the benchmark's dossiers are): the rating form shows."""
    from app.feedback.selectors import status_panel
    from app.tracking.controllers import CITIZEN_HEADERS, _status_context

    row = Row(_status_row())
    context = _status_context(request, TOKEN, row)
    context["feedback"] = await status_panel(row, token=TOKEN)
    return Template(template_name="tracking/status.html", context=context, headers=CITIZEN_HEADERS)


@get("/__bench/danh-sach", sync_to_thread=False, include_in_schema=False)
def dossier_list_nodb(request: Request) -> Response:
    request.scope["user"] = BENCH_USER
    context = {"dossiers": _list_rows(), "status": "", "q": "", "period": "today"}
    context["point"] = BENCH_POINT
    return Template(
        template_name="dossiers/home.html", context=context, headers={"Vary": "HX-Request"}
    )


ROUTES = [ceiling, status_nodb, dossier_list_nodb]
