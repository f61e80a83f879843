"""The working day of a busy agent point, for the browser benchmark: run after `migrate` and
`load-demo` against the benchmark's own database; prints JSON naming the dossiers to open.

`python -m tests.benchmarks.web_fixture` — writes through the real services: 40 dossiers taken
in by daily.bavi across the catalogue, most sent to the portal and moved along by it, so the
agent's list, the citizen's status page (a dossier with a long history) and the supervisor's
pages show what a point sees after a few weeks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import app  # noqa: F401 - sets PICCOLO_CONF

DOSSIERS = 40
PATHS = [
    # how far the portal moved each dossier after the agent sent it
    [],
    ["received"],
    ["received", "processing"],
    ["received", "processing", "supplement_requested", "processing"],
    ["received", "processing", "resolved"],
    ["received", "processing", "resolved", "result_returned"],
]
NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em"]


async def build() -> dict:
    from app.accounts.tables import User
    from app.catalogue.tables import Procedure
    from app.dossiers.services import (
        ApplicantInput,
        dossier_create,
        dossier_mark_ready,
        dossier_record_portal_code,
        dossier_transition,
    )
    from app.dossiers.tables import Dossier, DossierComponent
    from app.settings import get_settings
    from app.web.sessions import CurrentUser

    agent = await User.select().where(User.username == "daily.bavi").first()
    user = CurrentUser(
        id=agent["id"],
        username=agent["username"],
        full_name=agent["full_name"],
        role=agent["role"],
        point_id=agent["point"],
        organisation_id=agent["organisation"],
    )
    procedures = [
        r["id"]
        for r in await Procedure.select(Procedure.id)
        .where(Procedure.agent_allowed.eq(True) & Procedure.is_retired.eq(False))
        .order_by(Procedure.id)
        .limit(12)
    ]
    today = dt.date.today()
    unit = get_settings().portal_unit_code
    longest, draft = None, None
    for n in range(DOSSIERS):
        procedure_id = procedures[n % len(procedures)]
        dossier_id = await dossier_create(
            user=user,
            procedure_id=procedure_id,
            applicant=ApplicantInput(
                full_name=NAMES[n % len(NAMES)],
                id_number=f"0010900{n:05d}",
                date_of_birth=dt.date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
                sex="female" if n % 2 else "male",
                phone=f"0912{n:06d}",
                email="",
                commune_code="",
                address=f"Số {n + 1} Tây Đằng, Ba Vì, Hà Nội",
            ),
            consent=True,
            consent_version=get_settings().consent_version,
            received_components=set(),
        )
        if n % 8 == 0:
            draft = draft or (dossier_id, procedure_id)
            continue
        await DossierComponent.update({DossierComponent.received: True}).where(
            DossierComponent.dossier == dossier_id
        )
        version = await dossier_mark_ready(user=user, dossier_id=dossier_id, version=1)
        version = await dossier_record_portal_code(
            user=user,
            dossier_id=dossier_id,
            version=version,
            portal_code=f"{unit}-{today:%y%m%d}-{n:04d}",
        )
        path = PATHS[n % len(PATHS)]
        for target in path:
            actor = "user" if target == "result_returned" else "portal"
            await dossier_transition(
                dossier_id=dossier_id,
                target=target,
                actor_kind=actor,
                actor_id=user.id if actor == "user" else None,
                reason="Thiếu bản sao giấy khai sinh" if target == "supplement_requested" else "",
            )
        if path is PATHS[3] and longest is None:
            longest = dossier_id
    token = (await Dossier.select(Dossier.status_token).where(Dossier.id == longest).first())[
        "status_token"
    ]
    return {"status_token": token, "capture_dossier": draft[0], "procedure": draft[1]}


def main() -> None:
    print(json.dumps(asyncio.run(build())))


if __name__ == "__main__":
    main()
