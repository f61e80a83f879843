"""Helpers for the integration tests: a settable clock, sample submissions, dossiers in a
given state, and signed posts to our webhooks."""

from __future__ import annotations

import datetime as dt
import json

import httpx

from app.accounts.selectors import current_user_by_id
from app.dossiers.tables import DossierComponent
from app.integrations.portal import PortalApplicant, PortalComponent, PortalFile, PortalSubmission
from app.integrations.signing import HEADER, sign
from app.settings import get_settings
from tests import factories

UNIT = "000.00.26.H26"
PORTAL_SECRET = get_settings().portal_secret
POSTAL_SECRET = get_settings().postal_secret


class Clock:
    """A clock the test moves by hand (UTC)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def submission(
    reference: str = "DL-T-250205-0001",
    *,
    id_number: str = "001090012345",
    unit_code: str = UNIT,
    with_file: bool = True,
) -> PortalSubmission:
    files = [PortalFile("to-khai.pdf", b"%PDF-1.7 test", "application/pdf")] if with_file else []
    return PortalSubmission(
        reference=reference,
        procedure_code="1.001193",
        unit_code=unit_code,
        applicant=PortalApplicant(
            name="Nguyễn Văn An",
            id_number=id_number,
            date_of_birth=dt.date(1990, 5, 17),
            phone="0912345678",
            email="",
            address="Số 1 Tây Đằng, Ba Vì, Hà Nội",
        ),
        components=[
            PortalComponent(name="Tờ khai đăng ký khai sinh", copy_kind="original", files=files),
            PortalComponent(name="Giấy chứng sinh", copy_kind="copy", count=1),
        ],
        callback_url="",
    )


async def ready_dossier():
    """An agent and a dossier of theirs in state "ready" with its documents ticked."""
    point_id = await factories.point()
    user = await current_user_by_id(await factories.user(role="agent", point_id=point_id))
    dossier_id = await factories.dossier(point_id=point_id, agent_id=user.id, status="ready")
    for position, name in enumerate(["Tờ khai", "Giấy chứng sinh"]):
        await DossierComponent(
            dossier=dossier_id,
            position=position,
            name=name,
            copy_kind="copy",
            copies=1,
            mandatory=True,
            received=True,
        ).save()
    return user, dossier_id


def portal_event(
    code: str,
    seq: int,
    status_code: int,
    *,
    event_id: str | None = None,
    reason: str = "",
    at: str = "2025-02-05T02:00:00+00:00",
) -> dict:
    return {
        "event_id": event_id or f"evt-{code}-{seq}",
        "portal_code": code,
        "seq": seq,
        "status_code": status_code,
        "occurred_at": at,
        "reason": reason,
        "details": {},
    }


async def signed_post(
    client: httpx.AsyncClient,
    path: str,
    payload: dict | bytes,
    *,
    secret: str = PORTAL_SECRET,
    now: float | None = None,
    header: str | None = None,
) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"content-type": "application/json"}
    headers[HEADER] = header if header is not None else sign(secret, body, now=now)
    return await client.post(path, content=body, headers=headers)


def adopt(simulator, code: str, *, status_code: int = 1, seq: int = 0):
    """Put a dossier our database already knows into a portal simulator's memory."""
    from app.integrations.portal_sim import SimDossier

    simulator.dossiers[code] = SimDossier(
        portal_code=code,
        reference=f"R-{code}",
        procedure_code="1.001193",
        unit_code=UNIT,
        applicant_name="Nguyễn Văn An",
        received_at=simulator.clock(),
        callback_url=simulator.callback_url,
        status_code=status_code,
        seq=seq,
    )
    return simulator.dossiers[code]
