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
    *,
    organisation_id: int | None = None,
    district: str = "Ba Vì",
    code: str | None = None,
    status: str = PointStatus.active,
    district_code: str = "271",
    latitude: float | None = None,
    longitude: float | None = None,
    name: str | None = None,
) -> int:
    n = next(_seq)
    row = AgentPoint(
        code=code or f"DL-T-{n:04d}",
        name=name or f"Điểm thử {n}",
        organisation=organisation_id or await organisation(),
        district=district,
        district_code=district_code,
        commune="Tây Đằng",
        address=f"Số {n} đường Thử",
        status=status,
        latitude=latitude,
        longitude=longitude,
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


async def procedure(
    *,
    name: str = "Đăng ký khai sinh",
    code: str | None = None,
    days: int = 3,
    components: int = 2,
    fee: int = 0,
) -> int:
    import datetime as dt

    from app.catalogue.tables import Procedure, ProcedureComponent

    n = next(_seq)
    now = dt.datetime.now(dt.UTC)
    row = Procedure(
        code=code or f"1.{n:06d}",
        name=name,
        search_text=name.lower(),
        field="Hộ tịch",
        authority_level="commune",
        service_level="full_online",
        processing_days=days,
        fee_amount=fee,
        created_at=now,
        updated_at=now,
    )
    await row.save()
    for i in range(components):
        await ProcedureComponent(
            procedure=row.id,
            position=i,
            name=f"Giấy tờ {i + 1}",
            copy_kind="copy",
            copies=1,
            mandatory=True,
        ).save()
    return row.id


async def dossier(
    *,
    point_id: int | None = None,
    agent_id: int | None = None,
    procedure_id: int | None = None,
    status: str = "draft",
    phone: str = "0912345678",
    full_name: str = "Nguyễn Văn An",
    portal_code: str | None = None,
    token: str | None = None,
    with_components: bool = False,
) -> int:
    """A dossier row written directly (for tests that need one in a given state); with
    `with_components`, the procedure's documents are copied as at intake, ticked received."""
    import datetime as dt
    import secrets

    from app.catalogue.tables import ProcedureComponent
    from app.dossiers.tables import Applicant, Dossier, DossierComponent, DossierEvent

    if agent_id is None:
        point_id = point_id or await point()
        agent_id = await user(role="agent", point_id=point_id)
    elif point_id is None:
        from app.accounts.tables import User

        point_id = (await User.select(User.point).where(User.id == agent_id).first())["point"]
    procedure_id = procedure_id or await procedure()
    n = next(_seq)
    now = dt.datetime.now(dt.UTC)
    applicant = Applicant(
        full_name=full_name,
        id_number="001090012345",
        date_of_birth=dt.date(1990, 5, 17),
        sex="male",
        phone=phone,
        address="Số 1 Tây Đằng, Ba Vì, Hà Nội",
        created_at=now,
    )
    await applicant.save()
    row = Dossier(
        reference=f"DL-T-{now:%y%m%d}-{n:04d}",
        point=point_id,
        agent=agent_id,
        procedure=procedure_id,
        applicant=applicant.id,
        status=status,
        portal_code=portal_code,
        status_token=token or secrets.token_urlsafe(24),
        consent_version="2025-01",
        consent_at=now,
        consent_by=agent_id,
        created_at=now,
        updated_at=now,
    )
    await row.save()
    await DossierEvent(
        dossier=row.id,
        at=now,
        from_status="",
        to_status=status,
        actor_kind="user",
        actor=agent_id,
    ).save()
    components = await ProcedureComponent.select().where(
        ProcedureComponent.procedure == procedure_id
    )
    for component in components if with_components else []:
        await DossierComponent(
            dossier=row.id,
            procedure_component=component["id"],
            position=component["position"],
            name=component["name"],
            copy_kind=component["copy_kind"],
            copies=component["copies"],
            mandatory=component["mandatory"],
            received=True,
        ).save()
    return row.id
