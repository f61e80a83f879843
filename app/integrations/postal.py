"""The public-utility postal service (BCCI) connector: register a result-delivery order,
get a waybill code back. Dispatch / delivery events come later through the signed webhook."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from app.errors import DomainError
from app.integrations.http import SignedClient, TransportFailure, error_reason, is_transient
from app.settings import SettingsError
from app.web.i18n import N_

if TYPE_CHECKING:
    from litestar import Litestar

    from app.settings import Settings

log = logging.getLogger("app.integrations.postal")

REGISTER_PATH = "/api/v1/orders"
WEBHOOK_PATH = "/webhooks/buu-dien"
SIMULATOR_MOUNT = "/mo-phong/buu-dien"
DEFAULT_TIMEOUT = 20.0
EMBEDDED = "embedded"
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


class PostalUnavailable(DomainError):
    status_code = 503

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            N_(
                "The postal service did not answer. The delivery request is saved; "
                "try again in a few minutes."
            )
        )
        self.detail = detail


class PostalRejected(DomainError):
    status_code = 422

    def __init__(self, reason: str, *, http_status: int = 422) -> None:
        super().__init__(
            N_("The postal service refused the delivery order: %(reason)s"), reason=reason
        )
        self.reason = reason
        self.http_status = http_status


@dataclass(frozen=True, slots=True)
class PostalOrder:
    order_number: str  # the dossier's national code (or our reference before it has one)
    recipient_name: str
    phone: str
    address: str
    fee_note: str = ""
    callback_url: str = ""


class PostalConnector(Protocol):
    async def register(self, order: PostalOrder) -> str: ...


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit of an 8-digit serial number."""
    remainder = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(remainder, remainder)


def waybill_code(serial: int, service: str = "EB", country: str = "VN") -> str:
    """A UPU S10 item identifier, e.g. EB123456785VN (service, 8 digits, check digit, country)."""
    digits = f"{serial:08d}"
    return f"{service}{digits}{s10_check_digit(digits)}{country}"


class HttpPostalConnector:
    """Talks to the postal API at a base URL, or in-process to an ASGI app (the simulator)."""

    def __init__(self, target: str | Any, *, secret: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._http = SignedClient(
            target, secret=secret, timeout=timeout, simulated_host="postal.sim"
        )

    async def register(self, order: PostalOrder) -> str:
        try:
            response = await self._http.post(REGISTER_PATH, json=asdict(order))
        except TransportFailure as exc:
            raise PostalUnavailable(str(exc)) from exc
        if response.status_code in (200, 201):
            try:
                code = response.json()["waybill_code"]
                if not isinstance(code, str) or not code:
                    raise ValueError("empty waybill_code")
            except (ValueError, KeyError, TypeError) as exc:
                log.error("postal answered with an unreadable body: %r", response.text[:300])
                raise PostalUnavailable("unreadable answer") from exc
            return code
        if is_transient(response.status_code):
            log.warning("postal answered %s: %s", response.status_code, response.text[:300])
            raise PostalUnavailable(f"HTTP {response.status_code}")
        raise PostalRejected(error_reason(response), http_status=response.status_code)


def postal_simulator_for(app: Litestar):
    """The in-process postal simulator of this app (created on first use), or None when a
    real postal API is configured."""
    settings: Settings = app.state.settings
    if settings.postal_url != EMBEDDED or settings.is_production:
        return None
    sim = app.state.get("postal_simulator")
    if sim is None:
        from app.integrations.postal_sim import create_postal_simulator
        from app.integrations.selectors import postal_orders_for_simulator

        sim = create_postal_simulator(
            secret=settings.postal_secret,
            callback_url=postal_callback_url(settings),
            callback_transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            restore=postal_orders_for_simulator,
        )
        app.state.postal_simulator = sim
    return sim


def get_postal_connector(app: Litestar, *, timeout: float = DEFAULT_TIMEOUT) -> PostalConnector:
    """The connector this app is configured for: in-process simulator when POSTAL_URL is
    "embedded", otherwise the postal API at POSTAL_URL."""
    settings: Settings = app.state.settings
    if settings.postal_url == EMBEDDED and settings.is_production:
        raise SettingsError("POSTAL_URL=embedded (the simulator) is refused in production")
    target = postal_simulator_for(app) or settings.postal_url
    return HttpPostalConnector(target, secret=settings.postal_secret, timeout=timeout)


def postal_callback_url(settings: Settings) -> str:
    return settings.public_base_url + WEBHOOK_PATH
