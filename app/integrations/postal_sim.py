"""A simulator of the public-utility postal service (BCCI) for result delivery.

It registers delivery orders (signed JSON), issues UPU S10 waybill codes
(`EB` + 8 digits + check digit + `VN`), keeps them in memory, and posts signed events
(dispatched | delivered | failed) to our webhook when told to — from the demo page at
`/sim/` or the JSON endpoints under `/sim/orders/…`.

Standalone: `python -m app.integrations.postal_sim --port 8200
--callback-url http://127.0.0.1:8000/webhooks/buu-dien` (then run our app with
POSTAL_URL=http://127.0.0.1:8200).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.integrations.postal import waybill_code
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

EVENTS = ("dispatched", "delivered", "failed")
STATUS_NAMES = {
    "registered": "Đã nhận yêu cầu",
    "dispatched": "Đang phát",
    "delivered": "Đã phát thành công",
    "failed": "Phát không thành công",
}
DEFAULT_REASONS = {
    "dispatched": "Bưu tá đã nhận bưu gửi để đi phát.",
    "delivered": "Người nhận đã ký nhận.",
    "failed": "Không liên lạc được với người nhận.",
}
NEXT_EVENT = {"registered": "dispatched", "dispatched": "delivered", "failed": "dispatched"}
PHONE = re.compile(r"^0\d{9}$")


@dataclass
class SimOrder:
    waybill_code: str
    order_number: str
    recipient_name: str
    phone: str
    address: str
    fee_note: str
    callback_url: str
    registered_at: dt.datetime
    status: str = "registered"
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def last_delivery(self) -> Delivery | None:
        return self.deliveries[-1] if self.deliveries else None


class PostalSimulator:
    def __init__(
        self,
        *,
        secret: str,
        callback_url: str,
        callback_transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        restore: Callable[[], Awaitable[list[dict[str, Any]]]] | None = None,
    ) -> None:
        self.secret = secret
        self.callback_url = callback_url
        self.clock = clock or utc_now
        self.sender = CallbackSender(
            secret=secret, transport=callback_transport, retry_delays=retry_delays
        )
        self.faults = Faults()
        self.form_token = FormToken()
        self.orders: dict[str, SimOrder] = {}
        self._by_number: dict[str, str] = {}
        self._restore = restore
        self._restore_lock = asyncio.Lock()
        self._restored: list[bool] = []

    async def ensure_restored(self) -> None:
        if self._restore is None:
            return

        async def restore() -> None:
            for row in await self._restore():
                row = {"callback_url": self.callback_url, **row}
                self.orders.setdefault(row["waybill_code"], SimOrder(**row))
                self._by_number.setdefault(row["order_number"], row["waybill_code"])

        await run_once(self._restore_lock, self._restored, restore)

    def _new_waybill(self) -> str:
        while True:  # random serials: a restarted simulator does not reissue old codes
            code = waybill_code(10_000_000 + secrets.randbelow(90_000_000))
            if code not in self.orders:
                return code

    async def register(self, data: dict[str, Any]) -> tuple[SimOrder, bool]:
        """Register an order; the same order number again returns the first waybill."""
        await self.ensure_restored()
        _check_order(data)
        existing = self._by_number.get(data["order_number"])
        if existing is not None:
            return self.orders[existing], False
        order = SimOrder(
            waybill_code=self._new_waybill(),
            order_number=data["order_number"],
            recipient_name=data["recipient_name"],
            phone=data["phone"],
            address=data["address"],
            fee_note=str(data.get("fee_note") or ""),
            callback_url=str(data.get("callback_url") or self.callback_url),
            registered_at=self.clock().astimezone(dt.UTC),
        )
        self.orders[order.waybill_code] = order
        self._by_number[order.order_number] = order.waybill_code
        return order, True

    def get(self, waybill: str) -> SimOrder:
        try:
            return self.orders[waybill]
        except KeyError:
            raise SimulatorError(f"Không có bưu gửi {waybill}.", 404) from None

    def new_event(self, order: SimOrder, kind: str, reason: str = "") -> dict[str, Any]:
        if kind not in EVENTS:
            raise SimulatorError("Sự kiện phải là dispatched, delivered hoặc failed.", 400)
        order.seq += 1
        order.status = kind
        event = {
            "event_id": str(uuid.uuid4()),
            "waybill_code": order.waybill_code,
            "order_number": order.order_number,
            "seq": order.seq,
            "event": kind,
            "occurred_at": self.clock().astimezone(dt.UTC).isoformat(),
            "reason": reason or DEFAULT_REASONS[kind],
        }
        order.events.append(event)
        return event

    async def deliver(self, order: SimOrder, event: dict[str, Any]) -> Delivery:
        delivery = await self.sender.send(order.callback_url, event)
        order.deliveries.append(delivery)
        return delivery

    async def advance(self, waybill: str) -> Delivery:
        await self.ensure_restored()
        order = self.get(waybill)
        kind = NEXT_EVENT.get(order.status)
        if kind is None:
            raise SimulatorError(f"Bưu gửi {waybill} đã phát xong.", 409)
        return await self.deliver(order, self.new_event(order, kind))

    async def record_event(self, waybill: str, kind: str, reason: str = "") -> Delivery:
        await self.ensure_restored()
        order = self.get(waybill)
        return await self.deliver(order, self.new_event(order, kind, reason))

    async def redeliver(self, waybill: str, index: int = -1) -> Delivery:
        order = self.get(waybill)
        if not order.events:
            raise SimulatorError(f"Bưu gửi {waybill} chưa có sự kiện nào.", 409)
        return await self.deliver(order, order.events[index])

    async def deliver_out_of_order(
        self, waybill: str, steps: Sequence[tuple[str, str]]
    ) -> list[Delivery]:
        order = self.get(waybill)
        events = [self.new_event(order, kind, reason) for kind, reason in steps]
        return [await self.deliver(order, event) for event in reversed(events)]


def _check_order(data: dict[str, Any]) -> None:
    def text(name: str) -> str:
        value = data.get(name)
        return value.strip() if isinstance(value, str) else ""

    if not text("order_number"):
        raise SimulatorError("Thiếu số đơn hàng.", 422)
    if not text("recipient_name"):
        raise SimulatorError("Thiếu họ tên người nhận.", 422)
    if not PHONE.match(text("phone")):
        raise SimulatorError("Số điện thoại người nhận không hợp lệ.", 422)
    if not text("address"):
        raise SimulatorError("Thiếu địa chỉ phát.", 422)


# -- HTTP --------------------------------------------------------------------------------
def _sim(request: Request) -> PostalSimulator:
    return request.app.state.simulator


def _error(request: Request, exc: SimulatorError) -> Response:
    if is_json(request):
        key = "reason" if exc.status == 422 else "error"
        return Response({key: exc.message}, status_code=exc.status)
    return Template(
        "integrations/postal_sim.html",
        context=_page_context(request, error=exc.message),
        status_code=exc.status,
    )


@post("/api/v1/orders", status_code=201)
async def register_order(request: Request) -> Response:
    sim = _sim(request)
    body = await request.body()
    refused = verify_request(body, request.headers.get("x-signature"), secret=sim.secret)
    if refused is not None:
        return refused
    if (fault := await sim.faults.apply()) is not None:
        return fault
    try:
        data = await request.json()
    except Exception:  # noqa: BLE001 - any unreadable body is a 400
        return Response({"error": "the body must be a JSON object"}, status_code=400)
    if not isinstance(data, dict):
        return Response({"error": "the body must be a JSON object"}, status_code=400)
    try:
        order, created = await sim.register(data)
    except SimulatorError as exc:
        return Response({"reason": exc.message}, status_code=exc.status)
    return Response(
        {"waybill_code": order.waybill_code, "registered_at": order.registered_at.isoformat()},
        status_code=201 if created else 200,
    )


async def _command(request: Request) -> dict[str, Any]:
    if is_json(request):
        try:
            data = await request.json()
        except Exception as exc:  # noqa: BLE001
            raise SimulatorError("Nội dung JSON không hợp lệ.", 400) from exc
        return data if isinstance(data, dict) else {}
    form = await request.form()
    if not _sim(request).form_token.valid(form.get(FORM_FIELD)):
        raise SimulatorError("Biểu mẫu đã hết hạn, hãy tải lại trang.", 403)
    return dict(form)


def _done(request: Request, delivery: Delivery) -> Response:
    if is_json(request):
        return Response({"deliveries": [delivery.as_dict()]}, status_code=200)
    return back_to_page(request)


@post("/sim/orders/{waybill:str}/advance", status_code=200)
async def advance(request: Request, waybill: FromPath[str]) -> Response:
    try:
        await _command(request)
        return _done(request, await _sim(request).advance(waybill))
    except SimulatorError as exc:
        return _error(request, exc)


@post("/sim/orders/{waybill:str}/event", status_code=200)
async def record_event(request: Request, waybill: FromPath[str]) -> Response:
    try:
        data = await _command(request)
        kind = str(data.get("event") or "")
        reason = str(data.get("reason") or "")
        return _done(request, await _sim(request).record_event(waybill, kind, reason))
    except SimulatorError as exc:
        return _error(request, exc)


@post("/sim/orders/{waybill:str}/redeliver", status_code=200)
async def redeliver(request: Request, waybill: FromPath[str]) -> Response:
    try:
        await _command(request)
        return _done(request, await _sim(request).redeliver(waybill))
    except SimulatorError as exc:
        return _error(request, exc)


def _page_context(request: Request, error: str = "") -> dict[str, Any]:
    sim = _sim(request)
    return {
        "root": request.scope.get("root_path", "") or "",
        "orders": list(reversed(sim.orders.values())),
        "events": {kind: STATUS_NAMES[kind] for kind in EVENTS},
        "next_event": NEXT_EVENT,
        "statuses": STATUS_NAMES,
        "token": sim.form_token.value,
        "error": error,
    }


@get("/sim/", cache=False)
async def page(request: Request) -> Template:
    await _sim(request).ensure_restored()
    return Template("integrations/postal_sim.html", context=_page_context(request))


@get("/", sync_to_thread=False)
def index(request: Request) -> Redirect:
    return Redirect(path=f"{request.scope.get('root_path', '') or ''}/sim/", status_code=303)


@get("/sim/sim.css", sync_to_thread=False, cache=False)
def stylesheet() -> Response:
    return stylesheet_response()


def create_postal_simulator(
    *,
    secret: str,
    callback_url: str,
    callback_transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
    retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    restore: Callable[[], Awaitable[list[dict[str, Any]]]] | None = None,
) -> Litestar:
    """The simulator as an ASGI app; its state is `app.state.simulator` (a PostalSimulator)."""
    simulator = PostalSimulator(
        secret=secret,
        callback_url=callback_url,
        callback_transport=callback_transport,
        clock=clock,
        retry_delays=retry_delays,
        restore=restore,
    )
    return Litestar(
        route_handlers=[register_order, advance, record_event, redeliver, page, index, stylesheet],
        state=State({"simulator": simulator}),
        template_config=template_config(),
        on_shutdown=[simulator.sender.aclose],
        openapi_config=None,
        debug=False,
    )


def simulator_of(app: Litestar) -> PostalSimulator:
    return app.state.simulator


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from app.integrations.postal import WEBHOOK_PATH
    from app.settings import get_settings

    parser = standalone_parser("python -m app.integrations.postal_sim", 8200, WEBHOOK_PATH)
    args = parser.parse_args(argv)
    app = create_postal_simulator(
        secret=args.secret or get_settings().postal_secret, callback_url=args.callback_url
    )
    print(f"Postal simulator: http://{args.host}:{args.port}/sim/ -> events to {args.callback_url}")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
