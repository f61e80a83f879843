"""Builds the dossier pages for the controllers: the intake form and the dossier page."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.response import Redirect, Template

from app.dossiers import selectors, services, validation
from app.dossiers.states import S
from app.dossiers.tables import ResultDelivery
from app.errors import ValidationError
from app.web.i18n import N_
from app.web.ids import row_id

MESSAGES = {
    "created": N_("The dossier was created. Check the documents, then mark it ready."),
    "components_saved": N_("The list of documents received was saved."),
    "ready": N_("The dossier is ready to be sent to the portal."),
    "submitted": N_("The dossier was sent to the national portal."),
    "postal_registered": N_("Delivery of the result by post was registered."),
    "handed_over": N_("The result was recorded as handed over."),
    "cancelled": N_("The dossier was cancelled."),
}


def received_ids(form: Any) -> set[int]:
    """The ids of the documents ticked as received (anything else is no document)."""
    return {i for v in form.getall("received", []) if (i := row_id(v)) is not None}


def version_of(form: Any) -> int:
    version = row_id(form.get("version", ""))
    if version is None:
        raise services.ConcurrentUpdate()
    return version


def portal_connector(request: Request):
    from app.integrations.portal import get_portal_connector

    return get_portal_connector(request.app)


def postal_connector(request: Request):
    from app.integrations.postal import get_postal_connector

    return get_postal_connector(request.app)


async def _commune_choices() -> list[dict]:
    from app.territory.selectors import district_choices

    return await district_choices(selectors.today_local())


async def intake_response(
    request: Request,
    *,
    procedure_id: int | None,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    received: set[int] | None = None,
) -> Response:
    procedure = await selectors.procedure_for_intake(procedure_id) if procedure_id else None
    if procedure is None:
        return Redirect(path="/thu-tuc", status_code=303)
    context = {
        "procedure": procedure,
        "components": await selectors.procedure_components(procedure["id"]),
        "communes": await _commune_choices(),
        "values": values,
        "errors": errors,
        "received": received if received is not None else set(),
        "consent_version": request.app.state.settings.consent_version,
    }
    return Template(template_name="dossiers/new.html", context=context, status_code=status)


def _qr_values(payload: str) -> dict[str, str]:
    data = validation.parse_cccd_qr(payload)
    return {
        "full_name": data.full_name,
        "id_number": data.id_number,
        "old_id_number": data.old_id_number,
        "date_of_birth": data.date_of_birth.isoformat(),
        "sex": data.sex,
        "address": data.address,
        "id_issue_date": data.issue_date.isoformat() if data.issue_date else "",
    }


async def intake_submit(request: Request, form: dict[str, str]) -> Response:
    raw_procedure = form.get("procedure", "")
    procedure_id = row_id(raw_procedure)
    received = received_ids(await request.form())
    if form.get("action") == "prefill":
        try:
            values = {**form, **_qr_values(form.get("qr_payload", ""))}
            errors: dict[str, str] = {}
        except ValidationError as exc:
            values, errors = form, {"qr_payload": exc.message}
        return await intake_response(
            request,
            procedure_id=procedure_id,
            values=values,
            errors=errors,
            status=422 if errors else 200,
            received=received,
        )
    try:
        applicant = services.applicant_from_form(form, today=selectors.today_local())
        sets = form.get("sets_count", "1")
        dossier_id = await services.dossier_create(
            user=request.scope["user"],
            procedure_id=procedure_id or 0,
            applicant=applicant,
            consent=form.get("consent") == "yes",
            consent_version=request.app.state.settings.consent_version,
            result_delivery=form.get("result_delivery", ResultDelivery.pickup.value),
            received_components=received,
            sets_count=int(sets) if re.fullmatch(r"[0-9]{1,3}", sets) else 0,
            notes=form.get("notes", ""),
        )
    except ValidationError as exc:
        return await intake_response(
            request,
            procedure_id=procedure_id,
            values=form,
            errors=exc.errors,
            status=422,
            received=received,
        )
    return Redirect(path=f"/ho-so/{dossier_id}?msg=created", status_code=303)


async def dossier_response(
    request: Request,
    dossier_id: int,
    *,
    message: str = "",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    from app.capture.selectors import page_counts
    from app.feedback.selectors import staff_panel

    user = request.scope["user"]
    dossier = await selectors.dossier_detail(user, dossier_id)
    context = {
        "pages": await page_counts(dossier_id),
        "d": dossier,
        "S": S,
        "message": MESSAGES.get(message, ""),
        "values": values or {},
        "errors": errors or {},
        "is_own_point": user.point_id == dossier["point"],
        "revealed": False,
        "communes": await _commune_choices(),
        "feedback": await staff_panel(dossier),
    }
    return Template(
        template_name="dossiers/detail.html", context=context, status_code=422 if errors else 200
    )
