"""Helpers that put a dossier in a given state, as the portal or the post would."""

from __future__ import annotations

import datetime as dt

from app.dossiers.tables import Dossier, DossierComponent, DossierEvent, PostalDelivery

TOKEN = "tok_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3"  # the shape secrets.token_urlsafe gives


async def set_dossier(dossier_id: int, **values) -> None:
    columns = {getattr(Dossier, name): value for name, value in values.items()}
    columns[Dossier.version] = Dossier.version + 1
    columns[Dossier.updated_at] = dt.datetime.now(dt.UTC)
    await Dossier.update(columns).where(Dossier.id == dossier_id)


async def add_event(
    dossier_id: int,
    from_status: str,
    to_status: str,
    *,
    actor_kind: str = "portal",
    reason: str = "",
    at: dt.datetime | None = None,
) -> None:
    await DossierEvent(
        dossier=dossier_id,
        at=at or dt.datetime.now(dt.UTC),
        from_status=from_status,
        to_status=to_status,
        actor_kind=actor_kind,
        reason=reason,
    ).save()


async def move(dossier_id: int, to_status: str, *, reason: str = "", **values) -> None:
    """A status change as the portal would make it: new status, new version, an event."""
    row = await Dossier.select(Dossier.status).where(Dossier.id == dossier_id).first()
    await set_dossier(dossier_id, status=to_status, **values)
    await add_event(dossier_id, row["status"], to_status, reason=reason)


async def add_components(dossier_id: int) -> None:
    rows = [
        ("Tờ khai đăng ký khai sinh", "original", 1, True),
        ("Giấy chứng sinh", "certified_copy", 1, True),
        ("Giấy tờ không mang theo", "copy", 2, False),
    ]
    for position, (name, kind, count, received) in enumerate(rows):
        await DossierComponent(
            dossier=dossier_id,
            position=position,
            name=name,
            copy_kind=kind,
            copies=count,
            mandatory=True,
            received=received,
        ).save()


async def add_delivery(
    dossier_id: int, *, status: str = "dispatched", waybill: str = "EB123456789VN"
) -> None:
    now = dt.datetime.now(dt.UTC)
    await PostalDelivery(
        dossier=dossier_id,
        recipient_name="Nguyễn Văn An",
        phone="0912345678",
        address="Số 1 Tây Đằng, Ba Vì",
        waybill_code=waybill,
        status=status,
        registered_at=now,
        updated_at=now,
    ).save()
