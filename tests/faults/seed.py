"""Seeds a drill's database (run as `python -m tests.faults.seed DRAFTS COMPONENTS TRACKED`
with the drill server's environment): draft dossiers of the demo agent `daily.bavi` with
COMPONENTS documents each, and TRACKED submitted dossiers for status changes. Prints JSON."""

from __future__ import annotations

import asyncio
import json
import sys


async def main(drafts: int, components: int, tracked: int) -> dict:
    from app.accounts.tables import User
    from app.dossiers.tables import Dossier, DossierComponent
    from tests import factories

    agent = await User.select(User.id).where(User.username == "daily.bavi").first()
    procedure_id = await factories.procedure(name="Diễn tập tải ảnh", components=components)
    out: dict = {"drafts": [], "tracked": []}
    for _ in range(drafts):
        dossier_id = await factories.dossier(
            agent_id=agent["id"], procedure_id=procedure_id, with_components=True
        )
        rows = await DossierComponent.select(DossierComponent.id).where(
            DossierComponent.dossier == dossier_id
        )
        out["drafts"].append({"id": dossier_id, "components": [r["id"] for r in rows]})
    for n in range(tracked):
        code = f"000.00.26.H26-251123-{n + 1:04d}"
        dossier_id = await factories.dossier(
            agent_id=agent["id"], procedure_id=procedure_id, status="submitted", portal_code=code
        )
        token = (
            await Dossier.select(Dossier.status_token).where(Dossier.id == dossier_id).first()
        )["status_token"]
        out["tracked"].append({"id": dossier_id, "portal_code": code, "token": token})
    return out


if __name__ == "__main__":
    from app.piccolo_conf import DB  # noqa: F401 - the engine from DATABASE_URL

    print(json.dumps(asyncio.run(main(*(int(a) for a in sys.argv[1:4])))))
