"""What the capture page shows: the dossier's documents, each with its pages."""

from __future__ import annotations

import uuid

from app.capture import services
from app.capture.imaging import PROBLEMS
from app.capture.tables import DocumentPage
from app.dossiers.tables import Dossier, DossierComponent


def page_view(row: dict) -> dict:
    codes = services.problem_codes(row)
    return {
        **row,
        "problem_codes": codes,
        "problem_messages": [PROBLEMS[c] for c in codes if c in PROBLEMS],
        "needs_retake": services.needs_retake(row),
        "purged": row["purged_at"] is not None,
        "retake_id": str(uuid.uuid4()),  # the id the retaken photo will carry
    }


def is_editable(user, dossier: dict) -> bool:
    return (
        user.point_id is not None
        and user.point_id == dossier["point"]
        and dossier["status"] in services.EDITABLE
    )


async def component_context(user, dossier_id: int, component_id: int) -> dict:
    """What a swapped page list needs: the document with its pages, and the dossier's id and
    whether this user may change it."""
    dossier = await services.visible_dossier(user, dossier_id)
    component = await component_view(dossier_id, component_id)
    return {"c": component, "d": {"id": dossier_id, "editable": is_editable(user, dossier)}}


async def component_view(dossier_id: int, component_id: int) -> dict:
    component = (
        await DossierComponent.select()
        .where((DossierComponent.id == component_id) & (DossierComponent.dossier == dossier_id))
        .first()
    )
    pages = await services.component_pages(dossier_id, component_id)
    return {
        **component,
        "pages": [page_view(p) for p in pages],
        "new_page_id": str(uuid.uuid4()),
    }


async def capture_overview(user, dossier_id: int) -> dict:
    dossier = await services.visible_dossier(
        user, dossier_id, Dossier.procedure.name.as_alias("procedure_name")
    )
    components = (
        await DossierComponent.select()
        .where(DossierComponent.dossier == dossier_id)
        .order_by(DossierComponent.position)
    )
    pages = await services.component_pages(dossier_id)
    by_component: dict[int, list[dict]] = {}
    for page in pages:
        by_component.setdefault(page["component"], []).append(page_view(page))
    for component in components:
        component["pages"] = by_component.get(component["id"], [])
        component["new_page_id"] = str(uuid.uuid4())  # a re-sent plain form is recognised
    dossier["components"] = components
    dossier["editable"] = is_editable(user, dossier)
    dossier["page_count"] = len(pages)
    dossier["retake_count"] = sum(1 for p in pages if services.needs_retake(p))
    dossier["missing"] = [
        c["name"] for c in components if c["mandatory"] and c["received"] and not c["pages"]
    ]
    return dossier


async def page_counts(dossier_id: int) -> dict[int, dict]:
    """Per component: pages and pages still to retake (for the dossier page)."""
    rows = await DocumentPage.select(
        DocumentPage.component, DocumentPage.problems, DocumentPage.accepted_anyway
    ).where(DocumentPage.dossier == dossier_id)
    counts: dict[int, dict] = {}
    for row in rows:
        entry = counts.setdefault(row["component"], {"pages": 0, "retake": 0})
        entry["pages"] += 1
        entry["retake"] += services.needs_retake(row)
    return counts
