"""Plain keyword-only factories that write real rows through the services."""

from __future__ import annotations

import itertools

from app.accounts.services import user_create
from app.points.tables import AgentPoint, Organisation, OrganisationKind, PointStatus

PASSWORD = "correct-horse-battery"  # noqa: S105
_seq = itertools.count(1)


async def organisation(*, name: str | None = None, kind: str = OrganisationKind.postal) -> int:
    n = next(_seq)
    row = Organisation(name=name or f"Tổ chức {n}", kind=kind, tax_code=f"01{n:08d}")
    await row.save()
    return row.id


async def point(
    *, organisation_id: int | None = None, district: str = "Ba Vì", code: str | None = None
) -> int:
    n = next(_seq)
    row = AgentPoint(
        code=code or f"DL-T-{n:04d}",
        name=f"Điểm thử {n}",
        organisation=organisation_id or await organisation(),
        district=district,
        commune="Tây Đằng",
        address=f"Số {n} đường Thử",
        status=PointStatus.active,
    )
    await row.save()
    return row.id


async def user(
    *,
    role: str = "agent",
    username: str | None = None,
    point_id: int | None = None,
    organisation_id: int | None = None,
    password: str = PASSWORD,
) -> int:
    n = next(_seq)
    if role == "agent" and point_id is None:
        point_id = await point()
    if role == "point_manager" and organisation_id is None:
        organisation_id = await organisation()
    return await user_create(
        username=username or f"{role.replace('_', '')}{n}",
        full_name=f"Người dùng {n}",
        password=password,
        role=role,
        point_id=point_id,
        organisation_id=organisation_id,
    )
