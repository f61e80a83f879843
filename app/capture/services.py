"""Pages of a dossier's documents: upload (idempotent by the phone's page id), the quality
gate's verdict, rotate / reorder / delete / keep anyway, the PDF per component, reading files
with an audit entry, and purging files after the retention period.

Files are written before the row and deleted if the row is not written; rows are deleted
before their files. A crash between the two leaves at worst an unnamed file, which
`documents_purge` sweeps; never a row without its file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import sqlite3
from dataclasses import dataclass

import anyio.to_thread
from asyncpg.exceptions import UniqueViolationError
from piccolo.query.functions.aggregate import Max

from app.accounts.guards import scope_to_user
from app.audit.services import audit_record
from app.capture import imaging, pdf, workers
from app.capture.storage import DocumentStore
from app.capture.tables import DocumentPage
from app.db import write_transaction
from app.dossiers.states import S
from app.dossiers.tables import Dossier, DossierComponent
from app.errors import DomainError, NotFoundError, ValidationError
from app.settings import Settings
from app.web.i18n import N_

log = logging.getLogger("app.capture")

UID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Pages can change until the portal has the dossier, and again when it asks for a supplement.
EDITABLE = frozenset({S.draft.value, S.ready.value, S.supplement_requested.value})
ROTATIONS = (0, 90, 180, 270)


class PageConflict(DomainError):
    status_code = 409


class CaptureClosed(DomainError):
    status_code = 409


class DocumentUnavailable(DomainError):
    status_code = 410


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _engine():
    return DocumentPage._meta.db


def limits_for(settings: Settings) -> imaging.Limits:
    return imaging.Limits(
        max_bytes=settings.capture_page_max_bytes,
        page_budget=settings.capture_page_budget_bytes,
    )


def problem_codes(row: dict) -> list[str]:
    return [p for p in (row.get("problems") or "").split(",") if p]


def needs_retake(row: dict) -> bool:
    return bool(problem_codes(row)) and not row.get("accepted_anyway")


# ---------------------------------------------------------------------------
# Access


async def visible_dossier(user, dossier_id: int, *extra) -> dict:
    """The dossier if the user may see it (scoping as everywhere), with any `extra` columns;
    NotFound otherwise."""
    query = Dossier.select(
        Dossier.id, Dossier.point, Dossier.status, Dossier.reference, Dossier.portal_code, *extra
    ).where(Dossier.id == dossier_id)
    row = await scope_to_user(query, user, Dossier.point).first()
    if row is None:
        raise NotFoundError(N_("This dossier does not exist or is not at your point."))
    return row


async def _editable_dossier(user, dossier_id: int) -> dict:
    return _require_editable(user, await visible_dossier(user, dossier_id))


def _require_editable(user, row: dict) -> dict:
    """Only the dossier's own point changes its pages, and only while they may change."""
    if user.point_id is None or row["point"] != user.point_id:
        raise NotFoundError(N_("This dossier does not exist or is not at your point."))
    if row["status"] not in EDITABLE:
        raise CaptureClosed(
            N_("The documents of this dossier can no longer be changed (it was sent).")
        )
    return row


async def _component(dossier_id: int, component_id: int) -> dict:
    row = (
        await DossierComponent.select(
            DossierComponent.id, DossierComponent.name, DossierComponent.position
        )
        .where((DossierComponent.id == component_id) & (DossierComponent.dossier == dossier_id))
        .first()
    )
    if row is None:
        raise NotFoundError(N_("This document is not part of the dossier."))
    return row


async def _page(dossier_id: int, uid: object) -> dict:
    """The page a URL names; a malformed identifier names none (404, like an unknown one)."""
    uid = str(uid or "").strip().lower()
    row = None
    if UID_RE.match(uid):
        row = (
            await DocumentPage.select()
            .where((DocumentPage.uid == uid) & (DocumentPage.dossier == dossier_id))
            .first()
        )
    if row is None:
        raise NotFoundError(N_("This page does not exist."))
    return row


def _uid(raw: object) -> str:
    uid = str(raw or "").strip().lower()
    if not UID_RE.match(uid):
        raise ValidationError({"page_id": N_("The page has no valid identifier.")})
    return uid


# ---------------------------------------------------------------------------
# Upload


@dataclass(frozen=True)
class UploadResult:
    page: dict
    created: bool  # False: a replay of a page already stored (same id, same bytes)


def derived_name(uid: str, sha: str, kind: str) -> str:
    """The storage name of a page's file: the same for the same page id and bytes."""
    return hashlib.sha256(f"{uid}:{sha}:{kind}".encode()).hexdigest()[:32]


def _is_unique_violation(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.IntegrityError | UniqueViolationError)


async def _replay(uid: str, sha: str, dossier_id: int, component_id: int) -> dict | None:
    row = await DocumentPage.select().where(DocumentPage.uid == uid).first()
    if row is None:
        return None
    same_place = row["dossier"] == dossier_id and row["component"] == component_id
    if not same_place or row["source_sha256"] != sha:
        raise PageConflict(N_("A different photo was already sent under this page's identifier."))
    return row


async def page_upload(
    *,
    user,
    dossier_id: int,
    component_id: int,
    uid: object,
    data: bytes,
    store: DocumentStore,
    settings: Settings,
    replaces: object = "",
) -> UploadResult:
    uid = _uid(uid)
    dossier = await visible_dossier(user, dossier_id)
    sha = hashlib.sha256(data).hexdigest()
    existing = await _replay(uid, sha, dossier_id, component_id)
    if existing is not None:
        return UploadResult(existing, created=False)
    _require_editable(user, dossier)
    component = await _component(dossier_id, component_id)
    old_uid = _uid(replaces) if replaces else ""
    if old_uid:
        old = await _page(dossier_id, old_uid)
        if old["component"] != component_id:
            raise NotFoundError(N_("This page does not exist."))
    count = await DocumentPage.count().where(DocumentPage.component == component_id)
    if count >= settings.capture_pages_per_component and not old_uid:
        raise DomainError(
            N_("A document can have at most %(n)s pages."),
            n=settings.capture_pages_per_component,
        )
    colour = imaging.scan_colour_for(component["name"])
    try:
        processed = await workers.run(
            settings, imaging.process_page, data, colour=colour, limits=limits_for(settings)
        )
    except imaging.ImageRefused as exc:
        raise ValidationError({"file": exc.message}) from exc

    # Names derived from the page id and the bytes received: a retry after a crash between
    # writing the files and the row rewrites the same two files instead of leaving orphans.
    file_name = await store.put(processed.jpeg, name=derived_name(uid, sha, "scan"))
    try:
        thumb_name = await store.put(processed.thumbnail, name=derived_name(uid, sha, "thumb"))
    except BaseException:
        await store.delete(file_name)
        raise
    quality = processed.quality
    removed: dict | None = None
    try:
        async with write_transaction(_engine()):
            if old_uid:
                removed = await DocumentPage.select().where(DocumentPage.uid == old_uid).first()
            if removed is not None:
                position = removed["position"]
                await DocumentPage.delete().where(DocumentPage.id == removed["id"])
            else:
                top = await DocumentPage.select(Max(DocumentPage.position, alias="top")).where(
                    DocumentPage.component == component_id
                )
                position = (top[0]["top"] if top and top[0]["top"] is not None else -1) + 1
            await DocumentPage.insert(
                DocumentPage(
                    uid=uid,
                    dossier=dossier_id,
                    component=component_id,
                    position=position,
                    source_sha256=sha,
                    source_bytes=len(data),
                    source_format=processed.source_format,
                    file_name=file_name,
                    thumb_name=thumb_name,
                    bytes=len(processed.jpeg),
                    width=processed.width,
                    height=processed.height,
                    colour=processed.colour,
                    problems=",".join(quality.problems),
                    quality={
                        "sharpness": round(quality.sharpness, 1),
                        "brightness": round(quality.brightness, 1),
                        "clipped": round(quality.clipped, 3),
                        "coverage": round(quality.coverage, 3),
                        "source_width": quality.width,
                        "source_height": quality.height,
                    },
                    uploaded_by=user.id,
                    created_at=_now(),
                )
            )
    except BaseException as exc:
        if _is_unique_violation(exc):  # the same page raced in on another connection
            # Same id and bytes: the winner's row names these very files; keep them.
            try:
                existing = await _replay(uid, sha, dossier_id, component_id)
            except PageConflict:
                await store.delete(file_name, thumb_name)
                raise
            if existing is not None:
                return UploadResult(existing, created=False)
        await store.delete(file_name, thumb_name)
        raise
    if removed is not None:
        await store.delete(removed["file_name"], removed["thumb_name"])
    page = await DocumentPage.select().where(DocumentPage.uid == uid).first()
    return UploadResult(page, created=True)


# ---------------------------------------------------------------------------
# Changing pages


async def page_rotate(*, user, dossier_id: int, uid: object, clockwise: bool) -> dict:
    await _editable_dossier(user, dossier_id)
    page = await _page(dossier_id, uid)
    rotation = (page["rotation"] + (90 if clockwise else 270)) % 360
    await DocumentPage.update({DocumentPage.rotation: rotation}).where(
        DocumentPage.id == page["id"]
    )
    return page


async def page_move(*, user, dossier_id: int, uid: object, step: int) -> dict:
    """Swaps the page with its neighbour (step -1: earlier, +1: later) in its document."""
    await _editable_dossier(user, dossier_id)
    page = await _page(dossier_id, uid)
    async with write_transaction(_engine()):
        siblings = (
            await DocumentPage.select(DocumentPage.id, DocumentPage.position)
            .where(DocumentPage.component == page["component"])
            .order_by(DocumentPage.position)
            .order_by(DocumentPage.id)
        )
        ids = [s["id"] for s in siblings]
        i = ids.index(page["id"])
        j = i + (1 if step > 0 else -1)
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
        for position, page_id in enumerate(ids):
            await DocumentPage.update({DocumentPage.position: position}).where(
                DocumentPage.id == page_id
            )
    return page


async def page_accept_anyway(*, user, dossier_id: int, uid: object) -> dict:
    """The agent keeps a flagged page (a faint original photographs faint)."""
    await _editable_dossier(user, dossier_id)
    page = await _page(dossier_id, uid)
    await DocumentPage.update({DocumentPage.accepted_anyway: True}).where(
        DocumentPage.id == page["id"]
    )
    return page


async def page_delete(*, user, dossier_id: int, uid: object, store: DocumentStore) -> dict:
    await _editable_dossier(user, dossier_id)
    page = await _page(dossier_id, uid)
    await DocumentPage.delete().where(DocumentPage.id == page["id"])
    await store.delete(page["file_name"], page["thumb_name"])
    return page


# ---------------------------------------------------------------------------
# Reading files (every view or download is audited)


async def page_image(
    *, user, dossier_id: int, uid: object, thumbnail: bool, store: DocumentStore, ip: str = ""
) -> tuple[bytes, int]:
    """The page's clean scan (or thumbnail) and its rotation."""
    await visible_dossier(user, dossier_id)
    page = await _page(dossier_id, uid)
    name = page["thumb_name"] if thumbnail else page["file_name"]
    if not name:
        raise DocumentUnavailable(N_("This page's image was deleted after the retention period."))
    data = await store.get(name)
    await audit_record(
        action="document_thumbnail_viewed" if thumbnail else "document_page_viewed",
        actor_id=user.id,
        actor_label=user.username,
        object_type="document_page",
        object_id=page["uid"],
        ip=ip,
        details={"dossier": dossier_id},
    )
    return data, page["rotation"]


async def component_pages(dossier_id: int, component_id: int | None = None) -> list[dict]:
    query = DocumentPage.select().where(DocumentPage.dossier == dossier_id)
    if component_id is not None:
        query = query.where(DocumentPage.component == component_id)
    return (
        await query.order_by(DocumentPage.component)
        .order_by(DocumentPage.position)
        .order_by(DocumentPage.id)
    )


async def _build_pdf(
    pages: list[dict], *, title: str, store: DocumentStore, settings: Settings
) -> bytes:
    parts = []
    for page in pages:
        if not page["file_name"]:
            raise DocumentUnavailable(
                N_("This page's image was deleted after the retention period.")
            )
        parts.append(
            pdf.PdfPage(
                jpeg=await store.get(page["file_name"]),
                width=page["width"],
                height=page["height"],
                colour=page["colour"],
                rotation=page["rotation"],
            )
        )
    try:
        return await anyio.to_thread.run_sync(
            lambda: pdf.build_pdf(parts, budget_bytes=settings.capture_pdf_max_bytes, title=title)
        )
    except pdf.PdfTooLarge as exc:
        raise DomainError(
            N_(
                "The PDF of this document would be larger than %(mb)s MB even at the lowest "
                "quality. Remove some pages."
            ),
            mb=round(settings.capture_pdf_max_bytes / 1024 / 1024, 1),
        ) from exc


def pdf_filename(reference: str, position: int) -> str:
    return f"{reference}-{position + 1:02d}.pdf"


async def component_pdf(
    *, user, dossier_id: int, component_id: int, store: DocumentStore, settings: Settings, ip=""
) -> tuple[bytes, str]:
    """One A4 PDF of the component's pages, in order, and its file name."""
    dossier = await visible_dossier(user, dossier_id)
    component = await _component(dossier_id, component_id)
    pages = await component_pages(dossier_id, component_id)
    if not pages:
        raise NotFoundError(N_("No page of this document has been photographed yet."))
    data = await _build_pdf(pages, title=component["name"], store=store, settings=settings)
    await audit_record(
        action="document_pdf_downloaded",
        actor_id=user.id,
        actor_label=user.username,
        object_type="dossier_component",
        object_id=str(component_id),
        ip=ip,
        details={"dossier": dossier_id, "pages": len(pages), "bytes": len(data)},
    )
    return data, pdf_filename(dossier["reference"], component["position"])


async def submission_files(
    dossier_id: int,
    reference: str,
    components: list[dict],
    *,
    store: DocumentStore,
    settings: Settings,
) -> dict[int, tuple[str, bytes]]:
    """The PDFs handed to the portal connector for the `components` sent (rows with id, name
    and position): component id -> (file name, bytes), for those with pages."""
    pages = await component_pages(dossier_id)
    files: dict[int, tuple[str, bytes]] = {}
    for component in components:
        own = [p for p in pages if p["component"] == component["id"]]
        if own:
            data = await _build_pdf(own, title=component["name"], store=store, settings=settings)
            files[component["id"]] = (pdf_filename(reference, component["position"]), data)
    return files


# ---------------------------------------------------------------------------
# Retention


@dataclass(frozen=True)
class PurgeReport:
    pages: int
    files: int
    orphans: int


async def documents_purge(
    *, store: DocumentStore, settings: Settings, now: dt.datetime | None = None
) -> PurgeReport:
    """Deletes the page images of dossiers finished more than the retention period ago (their
    rows stay, marked purged), and files no row names that are older than a day (left by a
    crash between writing a file and its row)."""
    now = now or _now()
    cutoff = now - dt.timedelta(days=settings.capture_retention_days)
    finished = Dossier.select(Dossier.id).where(
        Dossier.finished_at.is_not_null() & (Dossier.finished_at < cutoff)
    )
    rows = await DocumentPage.select(
        DocumentPage.id, DocumentPage.file_name, DocumentPage.thumb_name
    ).where(DocumentPage.dossier.is_in(finished) & DocumentPage.purged_at.is_null())
    files = 0
    for row in rows:
        await DocumentPage.update(
            {DocumentPage.file_name: "", DocumentPage.thumb_name: "", DocumentPage.purged_at: now}
        ).where(DocumentPage.id == row["id"])
        await store.delete(row["file_name"], row["thumb_name"])
        files += 2
    orphans = await _sweep_orphans(store, older_than=now - dt.timedelta(days=1))
    return PurgeReport(pages=len(rows), files=files, orphans=orphans)


async def _sweep_orphans(store: DocumentStore, *, older_than: dt.datetime) -> int:
    listed = await anyio.to_thread.run_sync(lambda: list(store.storage.names()))
    from app.inspections.tables import SpotCheckPhoto  # its evidence photos share the store

    known: set[str] = set()
    for row in await DocumentPage.select(DocumentPage.file_name, DocumentPage.thumb_name):
        known.update((row["file_name"], row["thumb_name"]))
    for row in await SpotCheckPhoto.select(SpotCheckPhoto.file_name, SpotCheckPhoto.thumb_name):
        known.update((row["file_name"], row["thumb_name"]))
    limit = older_than.timestamp()
    removed = 0
    for name, modified in listed:
        if name not in known and modified < limit:
            await store.delete(name)
            removed += 1
    return removed
