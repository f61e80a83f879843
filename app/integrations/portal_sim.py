"""A simulator of the national public service portal, small enough to read in one sitting.

It receives dossiers (signed multipart), issues national dossier codes
`<unit code>-YYMMDD-NNNN` (date in Hanoi, a 4-digit sequence per unit per day), keeps
them in memory, and posts signed status events to our webhook when told to move a dossier
on — from the demo page at `/sim/` or the JSON endpoints under `/sim/dossiers/…`.

Standalone: `python -m app.integrations.portal_sim --port 8100
--callback-url http://127.0.0.1:8000/webhooks/portal` (then run our app with
PORTAL_URL=http://127.0.0.1:8100).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import sys
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.integrations.simulator import (
    DEFAULT_RETRY_DELAYS,
    FORM_FIELD,
    CallbackSender,
    Clock,
    Delivery,
    Faults,
    FormToken,
    SimulatorError,
    back_to_page,
    is_json,
    run_once,
    standalone_parser,
    stylesheet_response,
    template_config,
    utc_now,
    verify_request,
)
from app.web.i18n import VN_TZ

STATUS_NAMES = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
DEFAULT_REASONS = {
    2: "Hồ sơ hợp lệ, đã được tiếp nhận.",
    3: "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan tiếp nhận.",
    4: "Hồ sơ đang được thẩm định.",
    5: "Đề nghị bổ sung bản sao có chứng thực Giấy khai sinh.",
    6: "Đề nghị nộp lệ phí theo quy định trước khi giải quyết.",
    7: "Công dân có đơn đề nghị rút hồ sơ.",
    8: "Dừng xử lý theo đề nghị của cơ quan có thẩm quyền.",
    9: "Đã có kết quả giải quyết.",
    10: "Đã trả kết quả cho công dân.",
}
# The next step along a realistic happy path (supplement / fee paid -> processing again).
HAPPY_PATH = {1: 2, 2: 4, 4: 9, 5: 4, 6: 4, 9: 10}
FINAL_CODES = frozenset({3, 7, 8, 10})
UNIT_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
ID_NUMBER = re.compile(r"^\d{12}$")
MAX_DAILY = 9999

SequenceFloor = Callable[[str, dt.date], Awaitable[int]]
Restore = Callable[[], Awaitable[list[dict[str, Any]]]]


@dataclass
class SimDossier:
    portal_code: str
    reference: str
    procedure_code: str
    unit_code: str
    applicant_name: str
    received_at: dt.datetime
    callback_url: str
    file_count: int = 0
    status_code: int = 1
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status_code]

    @property
    def is_final(self) -> bool:
        return self.status_code in FINAL_CODES

    @property
    def last_delivery(self) -> Delivery | None:
        return self.deliveries[-1] if self.deliveries else None


class PortalSimulator:
    """The portal's in-memory state and behaviour; the Litestar app below is its HTTP face."""

    def __init__(
        self,
        *,
        unit_code: str,
        secret: str,
        callback_url: str,
        callback_transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        sequence_floor: SequenceFloor | None = None,
        restore: Restore | None = None,
    ) -> None:
        self.unit_code = unit_code
        self.secret = secret
        self.callback_url = callback_url
        self.clock = clock or utc_now
        self.sender = CallbackSender(
            secret=secret, transport=callback_transport, retry_delays=retry_delays
        )
        self.faults = Faults()
        self.form_token = FormToken()
        self.dossiers: dict[str, SimDossier] = {}
        self._by_reference: dict[str, str] = {}
        self._counters: dict[tuple[str, dt.date], int] = {}
        self._lock = threading.Lock()
        self._sequence_floor = sequence_floor
        self._restore = restore
        self._restore_lock = asyncio.Lock()
        self._restored: list[bool] = []

    # -- codes -------------------------------------------------------------------------
    def today(self) -> dt.date:
        return self.clock().astimezone(VN_TZ).date()

    async def next_code(self, unit_code: str) -> str:
        day = self.today()
        key = (unit_code, day)
        if self._sequence_floor is not None and key not in self._counters:
            floor = await self._sequence_floor(unit_code, day)
            with self._lock:
                self._counters[key] = max(self._counters.get(key, 0), floor)
        with self._lock:
            for old in [k for k in self._counters if k[1] != day]:
                del self._counters[old]  # a new day: every unit starts again at 0001
            number = self._counters.get(key, 0) + 1
            if number > MAX_DAILY:
                raise SimulatorError("Đơn vị đã hết số hồ sơ trong ngày.", 503)
            self._counters[key] = number
        return f"{unit_code}-{day:%y%m%d}-{number:04d}"

    # -- receiving ---------------------------------------------------------------------
    async def ensure_restored(self) -> None:
        if self._restore is None:
            return

        async def restore() -> None:
            for row in await self._restore():
                row = {"callback_url": self.callback_url, **row}
                self.dossiers.setdefault(row["portal_code"], SimDossier(**row))
                self._by_reference.setdefault(row["reference"], row["portal_code"])

        await run_once(self._restore_lock, self._restored, restore)

    async def receive(self, meta: dict[str, Any], file_parts: set[str]) -> tuple[SimDossier, bool]:
        """Register a submission; the same reference again returns the first dossier."""
        await self.ensure_restored()
        _check_submission(meta, file_parts)
        existing = self._by_reference.get(meta["reference"])
        if existing is not None:
            return self.dossiers[existing], False
        code = await self.next_code(meta["unit_code"])
        dossier = SimDossier(
            portal_code=code,
            reference=meta["reference"],
            procedure_code=meta["procedure_code"],
            unit_code=meta["unit_code"],
            applicant_name=meta["applicant"]["name"],
            received_at=self.clock().astimezone(dt.UTC),
            callback_url=meta.get("callback_url") or self.callback_url,
            file_count=len(file_parts),
        )
        self.dossiers[code] = dossier
        self._by_reference[dossier.reference] = code
        return dossier, True

    # -- moving dossiers on ------------------------------------------------------------
    def get(self, code: str) -> SimDossier:
        try:
            return self.dossiers[code]
        except KeyError:
            raise SimulatorError(f"Không có hồ sơ {code}.", 404) from None

    def new_event(self, dossier: SimDossier, status_code: int, reason: str = "") -> dict[str, Any]:
        if status_code not in STATUS_NAMES:
            raise SimulatorError("Mã trạng thái phải từ 1 đến 10.", 400)
        dossier.seq += 1
        dossier.status_code = status_code
        event = {
            "event_id": str(uuid.uuid4()),
            "portal_code": dossier.portal_code,
            "seq": dossier.seq,
            "status_code": status_code,
            "occurred_at": self.clock().astimezone(dt.UTC).isoformat(),
            "reason": reason or DEFAULT_REASONS.get(status_code, ""),
            "details": {"status_name": STATUS_NAMES[status_code]},
        }
        dossier.events.append(event)
        return event

    async def deliver(self, dossier: SimDossier, event: dict[str, Any]) -> Delivery:
        delivery = await self.sender.send(dossier.callback_url, event)
        dossier.deliveries.append(delivery)
        return delivery

    async def advance(self, code: str) -> Delivery:
        await self.ensure_restored()
        dossier = self.get(code)
        following = HAPPY_PATH.get(dossier.status_code)
        if following is None:
            raise SimulatorError(f"Hồ sơ {code} đã kết thúc ({dossier.status_name}).", 409)
        return await self.deliver(dossier, self.new_event(dossier, following))

    async def set_status(self, code: str, status_code: int, reason: str = "") -> Delivery:
        await self.ensure_restored()
        dossier = self.get(code)
        return await self.deliver(dossier, self.new_event(dossier, status_code, reason))

    async def redeliver(self, code: str, index: int = -1) -> Delivery:
        """Post an event already sent (same event id, same body) again."""
        dossier = self.get(code)
        if not dossier.events:
            raise SimulatorError(f"Hồ sơ {code} chưa có sự kiện nào.", 409)
        return await self.deliver(dossier, dossier.events[index])

    async def deliver_out_of_order(
        self, code: str, steps: Sequence[tuple[int, str]]
    ) -> list[Delivery]:
        """Create one event per (status_code, reason) in order, then deliver them newest first."""
        dossier = self.get(code)
        events = [self.new_event(dossier, status, reason) for status, reason in steps]
        return [await self.deliver(dossier, event) for event in reversed(events)]


def _check_submission(meta: dict[str, Any], file_parts: set[str]) -> None:
    def refuse(reason: str) -> SimulatorError:
        return SimulatorError(reason, 422)

    applicant = meta.get("applicant")
    components = meta.get("components")
    if not isinstance(meta.get("reference"), str) or not meta["reference"]:
        raise refuse("Thiếu mã tham chiếu của đại lý.")
    if not isinstance(meta.get("unit_code"), str) or not UNIT_CODE.match(meta["unit_code"]):
        raise refuse("Mã đơn vị tiếp nhận không đúng định dạng.")
    if not isinstance(meta.get("procedure_code"), str) or not meta["procedure_code"]:
        raise refuse("Thiếu mã thủ tục hành chính.")
    if not isinstance(applicant, dict) or not str(applicant.get("name") or "").strip():
        raise refuse("Thiếu họ tên người nộp hồ sơ.")
    if not ID_NUMBER.match(str(applicant.get("id_number") or "")):
        raise refuse("Số định danh cá nhân phải gồm 12 chữ số.")
    if not isinstance(components, list) or not components:
        raise refuse("Hồ sơ chưa có thành phần giấy tờ.")
    for component in components:
        for item in component.get("files", []) if isinstance(component, dict) else []:
            if item.get("part") not in file_parts:
                raise refuse(f"Thiếu tệp đính kèm: {item.get('filename', '')}.")


# -- HTTP --------------------------------------------------------------------------------
def _sim(request: Request) -> PortalSimulator:
    return request.app.state.simulator


def _error(request: Request, exc: SimulatorError) -> Response:
    if is_json(request) or request.url.path.startswith("/api/"):
        key = "reason" if exc.status == 422 else "error"
        return Response({key: exc.message}, status_code=exc.status)
    return Template(
        "integrations/portal_sim.html",
        context=_page_context(request, error=exc.message),
        status_code=exc.status,
    )


@post("/api/v1/dossiers", status_code=201)
async def submit_dossier(request: Request) -> Response:
    sim = _sim(request)
    body = await request.body()
    refused = verify_request(body, request.headers.get("x-signature"), secret=sim.secret)
    if refused is not None:
        return refused
    if (fault := await sim.faults.apply()) is not None:
        return fault
    form = await request.form()
    try:
        meta = json.loads(await _read_part(form.get("submission")))
        if not isinstance(meta, dict):
            raise ValueError("submission must be an object")
    except ValueError:
        return Response({"error": "the 'submission' part must be a JSON object"}, status_code=400)
    file_parts = {name for name, value in form.multi_items() if name.startswith("file-") and value}
    try:
        dossier, created = await sim.receive(meta, file_parts)
    except SimulatorError as exc:
        return _error(request, exc)
    return Response(
        {
            "portal_code": dossier.portal_code,
            "received_at": dossier.received_at.isoformat(),
            "status_code": dossier.status_code,
        },
        status_code=201 if created else 200,
    )


async def _read_part(value: Any) -> str:
    if value is None:
        raise ValueError("missing")
    if hasattr(value, "read"):
        return (await value.read()).decode()
    return str(value)


async def _command(request: Request) -> dict[str, Any]:
    if is_json(request):
        try:
            data = await request.json()
        except Exception as exc:  # noqa: BLE001 - any unreadable body is a 400
            raise SimulatorError("Nội dung JSON không hợp lệ.", 400) from exc
        return data if isinstance(data, dict) else {}
    form = await request.form()
    if not _sim(request).form_token.valid(form.get(FORM_FIELD)):
        raise SimulatorError("Biểu mẫu đã hết hạn, hãy tải lại trang.", 403)
    return dict(form)


def _done(request: Request, delivery: Delivery | list[Delivery]) -> Response:
    if is_json(request):
        items = delivery if isinstance(delivery, list) else [delivery]
        return Response({"deliveries": [d.as_dict() for d in items]}, status_code=200)
    return back_to_page(request)


@post("/sim/dossiers/{code:str}/advance", status_code=200)
async def advance(request: Request, code: FromPath[str]) -> Response:
    try:
        await _command(request)
        return _done(request, await _sim(request).advance(code))
    except SimulatorError as exc:
        return _error(request, exc)


@post("/sim/dossiers/{code:str}/status", status_code=200)
async def set_status(request: Request, code: FromPath[str]) -> Response:
    try:
        data = await _command(request)
        try:
            status_code = int(data.get("status_code"))
        except (TypeError, ValueError):
            raise SimulatorError("Mã trạng thái phải từ 1 đến 10.", 400) from None
        reason = str(data.get("reason") or "")
        return _done(request, await _sim(request).set_status(code, status_code, reason))
    except SimulatorError as exc:
        return _error(request, exc)


@post("/sim/dossiers/{code:str}/redeliver", status_code=200)
async def redeliver(request: Request, code: FromPath[str]) -> Response:
    try:
        await _command(request)
        return _done(request, await _sim(request).redeliver(code))
    except SimulatorError as exc:
        return _error(request, exc)


def _page_context(request: Request, error: str = "") -> dict[str, Any]:
    sim = _sim(request)
    return {
        "root": request.scope.get("root_path", "") or "",
        "dossiers": list(reversed(sim.dossiers.values())),
        "statuses": STATUS_NAMES,
        "happy_path": HAPPY_PATH,
        "token": sim.form_token.value,
        "unit_code": sim.unit_code,
        "error": error,
    }


@get("/sim/", cache=False)
async def page(request: Request) -> Template:
    await _sim(request).ensure_restored()
    return Template("integrations/portal_sim.html", context=_page_context(request))


@get("/", sync_to_thread=False)
def index(request: Request) -> Redirect:
    return Redirect(path=f"{request.scope.get('root_path', '') or ''}/sim/", status_code=303)


@get("/sim/sim.css", sync_to_thread=False, cache=False)
def stylesheet() -> Response:
    return stylesheet_response()


def create_portal_simulator(
    *,
    unit_code: str,
    secret: str,
    callback_url: str,
    callback_transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
    retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    sequence_floor: SequenceFloor | None = None,
    restore: Restore | None = None,
) -> Litestar:
    """The simulator as an ASGI app; its state is `app.state.simulator` (a PortalSimulator)."""
    simulator = PortalSimulator(
        unit_code=unit_code,
        secret=secret,
        callback_url=callback_url,
        callback_transport=callback_transport,
        clock=clock,
        retry_delays=retry_delays,
        sequence_floor=sequence_floor,
        restore=restore,
    )
    return Litestar(
        route_handlers=[submit_dossier, advance, set_status, redeliver, page, index, stylesheet],
        state=State({"simulator": simulator}),
        template_config=template_config(),
        on_shutdown=[simulator.sender.aclose],
        request_max_body_size=100 * 1024 * 1024,
        openapi_config=None,
        debug=False,
    )


def simulator_of(app: Litestar) -> PortalSimulator:
    return app.state.simulator


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from app.integrations.portal import WEBHOOK_PATH
    from app.settings import get_settings

    parser = standalone_parser("python -m app.integrations.portal_sim", 8100, WEBHOOK_PATH)
    parser.add_argument("--unit-code", help="receiving unit code (default: from the settings)")
    args = parser.parse_args(argv)
    settings = get_settings()
    app = create_portal_simulator(
        unit_code=args.unit_code or settings.portal_unit_code,
        secret=args.secret or settings.portal_secret,
        callback_url=args.callback_url,
    )
    print(f"Portal simulator: http://{args.host}:{args.port}/sim/ -> events to {args.callback_url}")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
