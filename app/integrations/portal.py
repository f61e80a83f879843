"""The national public service portal connector: send a dossier, get the national dossier
code back. Status changes come later through the signed webhook (see controllers.py)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from app.errors import DomainError
from app.integrations.http import SignedClient, TransportFailure, error_reason, is_transient
from app.settings import SettingsError
from app.web.i18n import N_

if TYPE_CHECKING:
    from litestar import Litestar

    from app.settings import Settings

log = logging.getLogger("app.integrations.portal")

SUBMIT_PATH = "/api/v1/dossiers"
WEBHOOK_PATH = "/webhooks/portal"
SIMULATOR_MOUNT = "/mo-phong/cong-dvc"
DEFAULT_TIMEOUT = 20.0
EMBEDDED = "embedded"


class PortalUnavailable(DomainError):
    """No usable answer (timeout, connection error, 5xx): nothing was lost, try again later."""

    status_code = 503

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            N_(
                "The national portal did not answer. The dossier is saved; "
                "try sending again in a few minutes."
            )
        )
        self.detail = detail


class PortalRejected(DomainError):
    """The portal refused the dossier; `reason` is the portal's own wording."""

    status_code = 422

    def __init__(self, reason: str, *, http_status: int = 422) -> None:
        super().__init__(N_("The national portal refused the dossier: %(reason)s"), reason=reason)
        self.reason = reason
        self.http_status = http_status


@dataclass(frozen=True, slots=True)
class PortalFile:
    filename: str
    content: bytes
    content_type: str = "application/pdf"


@dataclass(frozen=True, slots=True)
class PortalComponent:
    name: str
    copy_kind: str  # original | certified_copy | copy | original_or_certified_copy
    count: int = 1
    files: list[PortalFile] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PortalApplicant:
    name: str
    id_number: str
    date_of_birth: dt.date
    phone: str
    email: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class PortalSubmission:
    reference: str  # ours; the portal treats it as an idempotency key
    procedure_code: str
    unit_code: str
    applicant: PortalApplicant
    components: list[PortalComponent]
    callback_url: str = ""


@dataclass(frozen=True, slots=True)
class PortalReceipt:
    portal_code: str
    received_at: dt.datetime  # UTC, tz-aware


class PortalConnector(Protocol):
    async def submit(self, submission: PortalSubmission) -> PortalReceipt: ...


def submission_multipart(submission: PortalSubmission) -> list[tuple[str, tuple[str, bytes, str]]]:
    """One JSON part describing the dossier, then one part per file ("file-<c>-<f>")."""
    meta: dict[str, Any] = {
        "reference": submission.reference,
        "procedure_code": submission.procedure_code,
        "unit_code": submission.unit_code,
        "callback_url": submission.callback_url,
        "applicant": {
            **asdict(submission.applicant),
            "date_of_birth": submission.applicant.date_of_birth.isoformat(),
        },
        "components": [],
    }
    parts: list[tuple[str, tuple[str, bytes, str]]] = []
    for c, component in enumerate(submission.components):
        files = []
        for f, item in enumerate(component.files):
            part = f"file-{c}-{f}"
            files.append(
                {"part": part, "filename": item.filename, "content_type": item.content_type}
            )
            parts.append((part, (item.filename, item.content, item.content_type)))
        meta["components"].append(
            {
                "name": component.name,
                "copy_kind": component.copy_kind,
                "count": component.count,
                "files": files,
            }
        )
    body = json.dumps(meta, ensure_ascii=False).encode()
    return [("submission", ("submission.json", body, "application/json")), *parts]


class HttpPortalConnector:
    """Talks to the portal API at a base URL, or in-process to an ASGI app (the simulator)."""

    def __init__(self, target: str | Any, *, secret: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._http = SignedClient(
            target, secret=secret, timeout=timeout, simulated_host="portal.sim"
        )

    async def submit(self, submission: PortalSubmission) -> PortalReceipt:
        try:
            response = await self._http.post(SUBMIT_PATH, files=submission_multipart(submission))
        except TransportFailure as exc:
            raise PortalUnavailable(str(exc)) from exc
        if response.status_code in (200, 201):
            return _receipt(response)
        if is_transient(response.status_code):
            log.warning("portal answered %s: %s", response.status_code, response.text[:300])
            raise PortalUnavailable(f"HTTP {response.status_code}")
        raise PortalRejected(error_reason(response), http_status=response.status_code)


def _receipt(response: httpx.Response) -> PortalReceipt:
    try:
        data = response.json()
        received_at = dt.datetime.fromisoformat(data["received_at"])
        code = data["portal_code"]
        if not isinstance(code, str) or not code:
            raise ValueError("empty portal_code")
    except (ValueError, KeyError, TypeError) as exc:
        log.error(
            "portal answered %s with an unreadable body: %r",
            response.status_code,
            response.text[:300],
        )
        raise PortalUnavailable("unreadable answer") from exc
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=dt.UTC)
    return PortalReceipt(portal_code=code, received_at=received_at.astimezone(dt.UTC))


async def submission_for_dossier(
    dossier_id: int, *, settings: Settings | None = None
) -> PortalSubmission:
    """What we send for a dossier: applicant, procedure, the components ticked as received,
    each with the PDF of its photographed pages, and where to send status events."""
    from app.capture.services import submission_files
    from app.capture.storage import document_store
    from app.integrations.selectors import submission_rows
    from app.settings import get_settings

    settings = settings or get_settings()
    dossier, components = await submission_rows(dossier_id)
    files = await submission_files(
        dossier_id,
        dossier["reference"],
        components,
        store=document_store(settings),
        settings=settings,
    )
    return PortalSubmission(
        reference=dossier["reference"],
        procedure_code=dossier["procedure_code"],
        unit_code=settings.portal_unit_code,
        applicant=PortalApplicant(
            name=dossier["name"],
            id_number=dossier["id_number"],
            date_of_birth=dossier["date_of_birth"],
            phone=dossier["phone"],
            email=dossier["email"],
            address=dossier["address"],
        ),
        components=[
            PortalComponent(
                name=c["name"],
                copy_kind=c["copy_kind"],
                count=c["copies"],
                files=[PortalFile(*files[c["id"]])] if c["id"] in files else [],
            )
            for c in components
        ],
        callback_url=portal_callback_url(settings),
    )


def portal_simulator_for(app: Litestar):
    """The in-process portal simulator of this app (created on first use), or None when a
    real portal is configured. The connector and the mounted demo page share it."""
    settings: Settings = app.state.settings
    if settings.portal_url != EMBEDDED or settings.is_production:
        return None
    sim = app.state.get("portal_simulator")
    if sim is None:
        from app.integrations.portal_sim import create_portal_simulator
        from app.integrations.selectors import portal_dossiers_for_simulator, portal_sequence_floor

        sim = create_portal_simulator(
            unit_code=settings.portal_unit_code,
            secret=settings.portal_secret,
            callback_url=portal_callback_url(settings),
            callback_transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            sequence_floor=portal_sequence_floor,
            restore=portal_dossiers_for_simulator,
        )
        app.state.portal_simulator = sim
    return sim


def get_portal_connector(app: Litestar, *, timeout: float = DEFAULT_TIMEOUT) -> PortalConnector:
    """The connector this app is configured for: in-process simulator when PORTAL_URL is
    "embedded", otherwise the portal API at PORTAL_URL."""
    settings: Settings = app.state.settings
    if settings.portal_url == EMBEDDED and settings.is_production:
        raise SettingsError("PORTAL_URL=embedded (the simulator) is refused in production")
    target = portal_simulator_for(app) or settings.portal_url
    return HttpPortalConnector(target, secret=settings.portal_secret, timeout=timeout)


def portal_callback_url(settings: Settings) -> str:
    return settings.public_base_url + WEBHOOK_PATH
