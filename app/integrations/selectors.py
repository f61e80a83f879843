"""Reads for the integrations: what to send to the portal, and what the embedded simulators
need to pick up where they left off after a restart (they keep their own state in memory)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.dossiers.states import FINAL, PORTAL_CODES, S
from app.dossiers.tables import DeliveryStatus, Dossier, DossierComponent, PostalDelivery

PORTAL_CODE_OF = {state: code for code, state in PORTAL_CODES.items()}
# States after the portal's "resolved" that only the post reports.
_POSTAL_STATES = {S.result_dispatched, S.result_delivered, S.delivery_failed}
RESTORE_LIMIT = 500


async def portal_sequence_floor(unit_code: str, day: dt.date) -> int:
    """The highest daily sequence among codes we already hold for this unit and day, so a
    restarted simulator does not issue a code twice."""
    prefix = f"{unit_code}-{day:%y%m%d}-"
    rows = await Dossier.select(Dossier.portal_code).where(Dossier.portal_code.like(f"{prefix}%"))
    numbers = [
        int(r["portal_code"][len(prefix) :])
        for r in rows
        if r["portal_code"][len(prefix) :].isdigit()
    ]
    return max(numbers, default=0)


async def portal_dossiers_for_simulator() -> list[dict[str, Any]]:
    """Dossiers still open at the portal, as the simulator's rows (newest last)."""
    rows = (
        await Dossier.select(
            Dossier.portal_code,
            Dossier.reference,
            Dossier.status,
            Dossier.portal_seq,
            Dossier.submitted_at,
            Dossier.created_at,
            Dossier.procedure.code.as_alias("procedure_code"),
            Dossier.applicant.full_name.as_alias("applicant_name"),
        )
        .where(
            Dossier.portal_code.is_not_null()
            & Dossier.status.not_in([s.value for s in FINAL | _POSTAL_STATES])
        )
        .order_by(Dossier.id, ascending=False)
        .limit(RESTORE_LIMIT)
    )
    restored = []
    for row in reversed(rows):
        state = S(row["status"])
        restored.append(
            {
                "portal_code": row["portal_code"],
                "reference": row["reference"],
                "procedure_code": row["procedure_code"] or "",
                "unit_code": row["portal_code"].rsplit("-", 2)[0],
                "applicant_name": row["applicant_name"] or "",
                "received_at": row["submitted_at"] or row["created_at"],
                "status_code": PORTAL_CODE_OF.get(state, 1),
                "seq": row["portal_seq"],
            }
        )
    return restored


async def postal_orders_for_simulator() -> list[dict[str, Any]]:
    """Postal deliveries not yet delivered, as the simulator's rows (newest last)."""
    rows = (
        await PostalDelivery.select(
            PostalDelivery.waybill_code,
            PostalDelivery.recipient_name,
            PostalDelivery.phone,
            PostalDelivery.address,
            PostalDelivery.fee_note,
            PostalDelivery.status,
            PostalDelivery.registered_at,
            PostalDelivery.dossier.portal_code.as_alias("portal_code"),
            PostalDelivery.dossier.reference.as_alias("reference"),
            PostalDelivery.dossier.postal_seq.as_alias("postal_seq"),
        )
        .where(
            PostalDelivery.waybill_code.is_not_null()
            & (PostalDelivery.status != DeliveryStatus.delivered.value)
        )
        .order_by(PostalDelivery.id, ascending=False)
        .limit(RESTORE_LIMIT)
    )
    return [
        {
            "waybill_code": row["waybill_code"],
            "order_number": row["portal_code"] or row["reference"],
            "recipient_name": row["recipient_name"],
            "phone": row["phone"],
            "address": row["address"],
            "fee_note": row["fee_note"],
            "registered_at": row["registered_at"],
            "status": row["status"],
            "seq": row["postal_seq"],
        }
        for row in reversed(rows)
    ]


async def submission_rows(dossier_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The dossier with its applicant and procedure code, and the components received."""
    dossier = (
        await Dossier.select(
            Dossier.reference,
            Dossier.procedure.code.as_alias("procedure_code"),
            Dossier.applicant.full_name.as_alias("name"),
            Dossier.applicant.id_number.as_alias("id_number"),
            Dossier.applicant.date_of_birth.as_alias("date_of_birth"),
            Dossier.applicant.phone.as_alias("phone"),
            Dossier.applicant.email.as_alias("email"),
            Dossier.applicant.address.as_alias("address"),
        )
        .where(Dossier.id == dossier_id)
        .first()
    )
    if dossier is None:
        raise LookupError(f"dossier {dossier_id} does not exist")
    components = (
        await DossierComponent.select(
            DossierComponent.id,
            DossierComponent.name,
            DossierComponent.copy_kind,
            DossierComponent.copies,
            DossierComponent.position,
        )
        .where((DossierComponent.dossier == dossier_id) & DossierComponent.received.eq(True))
        .order_by(DossierComponent.position)
    )
    return dossier, components
