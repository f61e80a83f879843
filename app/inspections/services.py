"""Spot checks: checklist versions, starting a check at a point, saving answers one at a time
(autosave, refusing stale saves), photo evidence through the capture pipeline, completing with
a score, and the corrective actions a failed item opens and a later passing check closes.

Rules kept here:
- a checklist version any check used is never edited: a change makes a new version;
- every answer write names the revision it was based on; a save based on an older revision
  (an edit queued on a tablet while another device changed the item) is refused, unless it
  asks for exactly what is stored (a retry whose first answer was lost);
- only the supervisor who started a check changes it, and only while it is in progress;
- score = passed weight / (passed + failed weight) x 100, not-applicable items excluded;
- a failed item carries a corrective action (description and due date, defaults filled in and
  editable while the check is in progress); a later completed check of the same point in
  which an item of the same code passes closes it.

Photo files are written before their row and deleted if the row is not written; rows are
deleted before their files (as in app.capture.services).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass

from app.accounts.guards import CENTRE_ROLES, scope_to_user
from app.audit.services import audit_record
from app.capture import imaging, workers
from app.capture.services import UID_RE, derived_name, limits_for
from app.capture.storage import DocumentStore
from app.db import is_sqlite, write_transaction
from app.dossiers.selectors import today_local
from app.errors import DomainError, NotFoundError, PermissionDeniedError, ValidationError
from app.inspections.seed import checklist_seed
from app.inspections.tables import (
    ActionStatus,
    ChecklistItem,
    ChecklistTemplate,
    CheckStatus,
    CorrectiveAction,
    ItemResult,
    SpotCheck,
    SpotCheckAnswer,
    SpotCheckPhoto,
)
from app.points.tables import AgentPoint, PointStatus
from app.settings import Settings
from app.web.i18n import N_

CHECKABLE_POINTS = (PointStatus.approved.value, PointStatus.active.value)
RESULTS = frozenset(r.value for r in ItemResult)
NOTE_MAX = 2000
ACTION_MAX = 1000
NAME_MAX = 255
LABEL_MAX = 500
WEIGHT_MAX = 10
ITEMS_MAX = 40
PHOTOS_PER_ITEM = 5
DEFAULT_DUE_DAYS = 14
DUE_MAX_DAYS = 365

MSG_NOT_FOUND = N_("This spot check does not exist or is not yours to see.")
MSG_NOT_OWNER = N_("Only the supervisor who started this check can change it.")
MSG_CLOSED = N_("This check is completed and can no longer be changed.")
MSG_STALE = N_(
    "This item was changed on another device or tab since you opened it. The newer answer is "
    "shown: check it and answer again if needed."
)
MSG_CHECK_CHANGED = N_(
    "This check changed since the page was loaded (another device or tab). Review the answers "
    "shown and complete it again."
)
MSG_TEMPLATE_USED = N_(
    "This checklist version was used by a check and cannot be changed. Make a new version."
)


class CheckConflict(DomainError):
    status_code = 409


class StaleSave(CheckConflict):
    pass


class PhotoConflict(CheckConflict):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _engine():
    return SpotCheck._meta.db


# pg_advisory_xact_lock(key, n) of spot checks (ASCII "insp"): n = the point (starting a
# check) or 0 (making a checklist version). On SQLite the IMMEDIATE transaction serialises.
LOCK_KEY = 0x696E7370


async def _serialise(n: int) -> None:
    """Inside a write transaction: one at a time per `n`, so a double tap makes one row."""
    engine = _engine()
    if not is_sqlite(engine):
        await engine.run_ddl(f"SELECT pg_advisory_xact_lock({LOCK_KEY}, {int(n)})")


# ---------------------------------------------------------------------------
# Checklist versions


async def template_active() -> dict | None:
    """The version new checks use; the default checklist is added first if there is none."""
    row = await ChecklistTemplate.select().where(ChecklistTemplate.is_active.eq(True)).first()
    if row is None:
        # The seed decides inside its write transaction whether a checklist exists, and the
        # second read sees a version a concurrent first call committed after our first read
        # (deciding on a separate count here let a double tap find no active version).
        await checklist_seed()
        row = await ChecklistTemplate.select().where(ChecklistTemplate.is_active.eq(True)).first()
    return row


async def template_items(template_id: int) -> list[dict]:
    return (
        await ChecklistItem.select()
        .where(ChecklistItem.template == template_id)
        .order_by(ChecklistItem.position)
        .order_by(ChecklistItem.id)
    )


async def template_is_used(template_id: int) -> bool:
    return bool(await SpotCheck.count().where(SpotCheck.template == template_id))


async def _template(template_id: int) -> dict:
    row = await ChecklistTemplate.select().where(ChecklistTemplate.id == template_id).first()
    if row is None:
        raise NotFoundError(N_("This checklist version does not exist."))
    return row


async def template_new_version(*, user) -> int:
    """A new, inactive version copied from the active one (or the newest). An unused draft
    newer than the active version is reused instead of making another."""
    await template_active()
    async with write_transaction(_engine()):
        await _serialise(0)
        versions = await ChecklistTemplate.select().order_by(
            ChecklistTemplate.version, ascending=False
        )
        if not versions:
            raise NotFoundError(N_("This checklist version does not exist."))
        active = next((v for v in versions if v["is_active"]), versions[0])
        newest = versions[0]
        if (
            not newest["is_active"]
            and newest["version"] > active["version"]
            and not await template_is_used(newest["id"])
        ):
            return newest["id"]
        template = ChecklistTemplate(
            name=active["name"],
            version=newest["version"] + 1,
            is_active=False,
            created_by=user.id,
            created_at=_now(),
        )
        await template.save()
        items = await template_items(active["id"])
        if items:
            await ChecklistItem.insert(
                *(
                    ChecklistItem(
                        template=template.id,
                        position=i,
                        code=item["code"],
                        label=item["label"],
                        label_en=item["label_en"],
                        weight=item["weight"],
                        photo_required=item["photo_required"],
                    )
                    for i, item in enumerate(items)
                )
            )
    await audit_record(
        action="checklist_version_created",
        actor_id=user.id,
        actor_label=user.username,
        object_type="checklist_template",
        object_id=str(template.id),
        details={"version": template.version, "copied_from": active["version"]},
    )
    return template.id


@dataclass
class ItemInput:
    key: str  # names the row's fields in the form (errors: label-KEY, weight-KEY)
    code: str
    label: str
    weight: object
    photo_required: bool
    position: object


def _fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()


CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")


def code_from_label(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", _fold(label)).strip("_")[:32] or "item"
    code, n = base, 2
    while code in taken:
        code = f"{base[:32]}_{n}"
        n += 1
    return code


def _small_int(raw: object, low: int, high: int) -> int | None:
    text = str(raw).strip() if raw is not None else ""
    if not re.fullmatch(r"[0-9]{1,3}", text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def _clean_text(raw: object) -> str:
    return " ".join(str(raw or "").replace("\x00", "").split())


def validate_items(name: str, rows: list[ItemInput]) -> tuple[str, list[dict]]:
    """The checked name and items in their new order; ValidationError naming each bad field
    (`name`, `label-KEY`, `weight-KEY`, `items`)."""
    errors: dict[str, str] = {}
    name = _clean_text(name)
    if not name:
        errors["name"] = N_("Enter the checklist's name.")
    elif len(name) > NAME_MAX:
        errors["name"] = N_("The name is too long (at most 255 characters).")
    items: list[dict] = []
    taken = {r.code for r in rows if CODE_RE.match(r.code or "")}
    seen: set[str] = set()
    for i, row in enumerate(rows):
        label = _clean_text(row.label)
        if not label:
            errors[f"label-{row.key}"] = N_("Enter what the supervisor checks.")
        elif len(label) > LABEL_MAX:
            errors[f"label-{row.key}"] = N_("The item is too long (at most 500 characters).")
        weight = _small_int(row.weight, 1, WEIGHT_MAX)
        if weight is None:
            errors[f"weight-{row.key}"] = N_("The weight is a whole number from 1 to 10.")
        position = _small_int(row.position, 0, 999)
        code = row.code if CODE_RE.match(row.code or "") and row.code not in seen else ""
        if not code:
            code = code_from_label(label, taken | seen)
        seen.add(code)
        items.append(
            {
                "code": code,
                "label": label,
                "weight": weight or 1,
                "photo_required": bool(row.photo_required),
                "order": (position if position is not None else i, i),
            }
        )
    if not rows:
        errors["items"] = N_("A checklist needs at least one item.")
    elif len(rows) > ITEMS_MAX:
        errors["items"] = N_("A checklist can have at most 40 items.")
    if errors:
        raise ValidationError(errors)
    items.sort(key=lambda item: item["order"])
    return name, items


async def template_update(*, user, template_id: int, name: str, rows: list[ItemInput]) -> None:
    """Replaces an unused version's name and items."""
    await _template(template_id)
    name, items = validate_items(name, rows)
    async with write_transaction(_engine()):
        if await template_is_used(template_id):
            raise CheckConflict(MSG_TEMPLATE_USED)
        labels_en = {
            r["code"]: r["label_en"]
            for r in await ChecklistItem.select(ChecklistItem.code, ChecklistItem.label_en).where(
                ChecklistItem.template == template_id
            )
        }
        await ChecklistTemplate.update({ChecklistTemplate.name: name}).where(
            ChecklistTemplate.id == template_id
        )
        await ChecklistItem.delete().where(ChecklistItem.template == template_id)
        await ChecklistItem.insert(
            *(
                ChecklistItem(
                    template=template_id,
                    position=position,
                    code=item["code"],
                    label=item["label"],
                    label_en=labels_en.get(item["code"], ""),
                    weight=item["weight"],
                    photo_required=item["photo_required"],
                )
                for position, item in enumerate(items)
            )
        )
    await audit_record(
        action="checklist_version_edited",
        actor_id=user.id,
        actor_label=user.username,
        object_type="checklist_template",
        object_id=str(template_id),
        details={"items": len(items)},
    )


async def template_activate(*, user, template_id: int) -> None:
    """Makes this version the one new checks use; checks in progress keep theirs."""
    template = await _template(template_id)
    async with write_transaction(_engine()):
        if not await ChecklistItem.count().where(ChecklistItem.template == template_id):
            raise CheckConflict(N_("A checklist needs at least one item."))
        await ChecklistTemplate.update({ChecklistTemplate.is_active: False}).where(
            ChecklistTemplate.id != template_id
        )
        await ChecklistTemplate.update({ChecklistTemplate.is_active: True}).where(
            ChecklistTemplate.id == template_id
        )
        await audit_record(
            action="checklist_version_activated",
            actor_id=user.id,
            actor_label=user.username,
            object_type="checklist_template",
            object_id=str(template_id),
            details={"version": template["version"]},
        )


# ---------------------------------------------------------------------------
# Starting a check


def _coordinate(raw: object, limit: float) -> float | None:
    try:
        value = float(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


def location_from(latitude: object, longitude: object, accuracy: object) -> tuple:
    """The tablet's position as sent (best effort: anything odd is simply not recorded)."""
    lat, lon = _coordinate(latitude, 90), _coordinate(longitude, 180)
    if lat is None or lon is None:
        return None, None, None
    acc = _coordinate(accuracy, 1_000_000)
    return lat, lon, (acc if acc is not None and acc >= 0 else None)


async def check_start(
    *, user, point_id: int, latitude: object = "", longitude: object = "", accuracy: object = ""
) -> tuple[int, bool]:
    """Starts a check of the point with the active checklist, or resumes this supervisor's
    check in progress there; returns (check id, started now)."""
    if user.role not in CENTRE_ROLES:
        raise PermissionDeniedError(N_("Only the Centre's supervisors do spot checks."))
    point = await AgentPoint.select(AgentPoint.id, AgentPoint.status).where(
        AgentPoint.id == point_id
    )
    if not point:
        raise NotFoundError(N_("This agent point does not exist or is not yours to see."))
    if point[0]["status"] not in CHECKABLE_POINTS:
        raise CheckConflict(N_("Only approved or active points can be checked."))
    template = await template_active()
    if template is None:
        raise CheckConflict(N_("No checklist version is active. Activate one first."))
    lat, lon, acc = location_from(latitude, longitude, accuracy)
    async with write_transaction(_engine()):
        await _serialise(point_id)
        ongoing = (
            await SpotCheck.select(SpotCheck.id)
            .where(
                (SpotCheck.point == point_id)
                & (SpotCheck.supervisor == user.id)
                & (SpotCheck.status == CheckStatus.in_progress.value)
            )
            .first()
        )
        if ongoing is not None:
            return ongoing["id"], False
        now = _now()
        check = SpotCheck(
            point=point_id,
            template=template["id"],
            supervisor=user.id,
            status=CheckStatus.in_progress.value,
            started_at=now,
            latitude=lat,
            longitude=lon,
            location_accuracy_m=acc,
            version=1,
            updated_at=now,
        )
        await check.save()
        items = await template_items(template["id"])
        await SpotCheckAnswer.insert(
            *(
                SpotCheckAnswer(check=check.id, item=item["id"], revision=0, updated_at=now)
                for item in items
            )
        )
    return check.id, True


# ---------------------------------------------------------------------------
# Access


async def visible_check(user, check_id: int) -> dict:
    query = SpotCheck.select().where(SpotCheck.id == check_id)
    row = await scope_to_user(query, user, SpotCheck.point).first()
    if row is None:
        raise NotFoundError(MSG_NOT_FOUND)
    return row


def require_changeable(user, check: dict) -> dict:
    if check["supervisor"] != user.id:
        raise PermissionDeniedError(MSG_NOT_OWNER)
    if check["status"] != CheckStatus.in_progress.value:
        raise CheckConflict(MSG_CLOSED)
    return check


async def changeable_check(user, check_id: int) -> dict:
    return require_changeable(user, await visible_check(user, check_id))


def can_change(user, check: dict) -> bool:
    return (
        user is not None
        and check["supervisor"] == user.id
        and check["status"] == CheckStatus.in_progress.value
    )


async def _answer(check_id: int, item_id: int) -> dict:
    row = (
        await SpotCheckAnswer.select()
        .where((SpotCheckAnswer.check == check_id) & (SpotCheckAnswer.item == item_id))
        .first()
    )
    if row is None:
        raise NotFoundError(N_("This item is not part of the check."))
    return row


# ---------------------------------------------------------------------------
# Saving answers


def parse_due(raw: object) -> dt.date | None:
    """yyyy-mm-dd (the date picker) or dd/mm/yyyy (typed); None when it is not a date."""
    text = str(raw or "").strip()
    try:
        if m := re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    return None


def default_due(today: dt.date | None = None) -> dt.date:
    return (today or today_local()) + dt.timedelta(days=DEFAULT_DUE_DAYS)


def default_action(label: str) -> str:
    return f"Khắc phục: {label}"[:ACTION_MAX]


@dataclass
class AnswerInput:
    result: object
    note: object = ""
    revision: object = None
    action: object = ""  # empty: keep (or default) the corrective action's description
    due: object = ""  # empty: keep (or default) its due date


@dataclass(frozen=True)
class SaveResult:
    answer: dict
    check_version: int
    replayed: bool  # asked for what was already stored: nothing written


def _validated(value: AnswerInput, label: str, current_action: dict | None) -> dict:
    errors: dict[str, str] = {}
    result = str(value.result or "").strip()
    if result not in RESULTS:
        errors["result"] = N_("Choose pass, fail or not applicable.")
    note = str(value.note or "").replace("\x00", "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = N_("The note is too long (at most 2000 characters).")
    revision = value.revision
    if not (isinstance(revision, int) or re.fullmatch(r"[0-9]{1,9}", str(revision or ""))):
        errors["revision"] = N_("Reload the page: this form is out of date.")
    action = due = None
    if result == ItemResult.failed.value:
        # Empty fields keep what is stored, or take the defaults: a failed item is never left
        # unsaved for want of a description, and its action is always there to edit.
        action = str(value.action or "").replace("\x00", "").strip()
        if not action:
            action = current_action["description"] if current_action else default_action(label)
        elif len(action) > ACTION_MAX:
            errors["action"] = N_("The description is too long (at most 1000 characters).")
        if not str(value.due or "").strip():
            due = current_action["due_date"] if current_action else default_due()
        else:
            due = parse_due(value.due)
            today = today_local()
            if due is None:
                errors["due"] = N_("Enter the due date as dd/mm/yyyy.")
            elif not today <= due <= today + dt.timedelta(days=DUE_MAX_DAYS):
                errors["due"] = N_("The due date is from today to one year ahead.")
    if errors:
        raise ValidationError(errors)
    return {
        "result": result,
        "note": note,
        "revision": int(revision),
        "action": action,
        "due": due,
    }


async def _current_action(check_id: int, item_id: int) -> dict | None:
    return (
        await CorrectiveAction.select()
        .where((CorrectiveAction.check == check_id) & (CorrectiveAction.item == item_id))
        .first()
    )


def _same(answer: dict, action: dict | None, wanted: dict) -> bool:
    if answer["result"] != wanted["result"] or answer["note"] != wanted["note"]:
        return False
    if wanted["result"] != ItemResult.failed.value:
        return action is None
    return (
        action is not None
        and action["description"] == wanted["action"]
        and action["due_date"] == wanted["due"]
    )


async def answer_save(*, user, check_id: int, item_id: int, value: AnswerInput) -> SaveResult:
    """Saves one item's answer (and its corrective action when it failed)."""
    check = await changeable_check(user, check_id)
    answer = await _answer(check_id, item_id)
    item = await ChecklistItem.select().where(ChecklistItem.id == item_id).first()
    async with write_transaction(_engine()):
        action = await _current_action(check_id, item_id)
        wanted = _validated(value, item["label"], action)
        answer = await _answer(check_id, item_id)
        if _same(answer, action, wanted):
            current = await SpotCheck.select(SpotCheck.version).where(SpotCheck.id == check_id)
            return SaveResult(answer, current[0]["version"], replayed=True)
        if answer["revision"] != wanted["revision"]:
            raise StaleSave(MSG_STALE)
        now = _now()
        updated = (
            await SpotCheckAnswer.update(
                {
                    SpotCheckAnswer.result: wanted["result"],
                    SpotCheckAnswer.note: wanted["note"],
                    SpotCheckAnswer.revision: answer["revision"] + 1,
                    SpotCheckAnswer.updated_at: now,
                }
            )
            .where(
                (SpotCheckAnswer.id == answer["id"])
                & (SpotCheckAnswer.revision == answer["revision"])
            )
            .returning(SpotCheckAnswer.id)
        )
        if not updated:
            raise StaleSave(MSG_STALE)
        if wanted["result"] == ItemResult.failed.value:
            if action is None:
                await CorrectiveAction.insert(
                    CorrectiveAction(
                        check=check_id,
                        item=item_id,
                        point=check["point"],
                        description=wanted["action"],
                        due_date=wanted["due"],
                        status=ActionStatus.open.value,
                        created_at=now,
                    )
                )
            else:
                await CorrectiveAction.update(
                    {
                        CorrectiveAction.description: wanted["action"],
                        CorrectiveAction.due_date: wanted["due"],
                    }
                ).where(CorrectiveAction.id == action["id"])
        elif action is not None:
            await CorrectiveAction.delete().where(CorrectiveAction.id == action["id"])
        version = await _bump(check_id, now)
        if version is None:  # completed in the meantime (another request of the same user)
            raise CheckConflict(MSG_CLOSED)
    answer = await _answer(check_id, item_id)
    return SaveResult(answer, version, replayed=False)


async def _bump(check_id: int, now: dt.datetime) -> int | None:
    """Inside a transaction: the check's version + 1, only while it is in progress."""
    rows = (
        await SpotCheck.update(
            {SpotCheck.version: SpotCheck.version + 1, SpotCheck.updated_at: now}
        )
        .where((SpotCheck.id == check_id) & (SpotCheck.status == CheckStatus.in_progress.value))
        .returning(SpotCheck.version)
    )
    return rows[0]["version"] if rows else None


# ---------------------------------------------------------------------------
# Photo evidence


def _uid(raw: object) -> str:
    uid = str(raw or "").strip().lower()
    if not UID_RE.match(uid):
        raise ValidationError({"file": N_("The photo has no valid identifier.")})
    return uid


async def _photo(check_id: int, uid: object) -> dict:
    uid = str(uid or "").strip().lower()
    row = None
    if UID_RE.match(uid):
        row = (
            await SpotCheckPhoto.select(
                *SpotCheckPhoto.all_columns(),
                SpotCheckPhoto.answer.check.as_alias("check_id"),
                SpotCheckPhoto.answer.item.as_alias("item_id"),
            )
            .where((SpotCheckPhoto.uid == uid) & (SpotCheckPhoto.answer.check == check_id))
            .first()
        )
    if row is None:
        raise NotFoundError(N_("This photo does not exist."))
    return row


@dataclass(frozen=True)
class PhotoResult:
    photo: dict
    created: bool


async def _replay(uid: str, sha: str, answer_id: int) -> dict | None:
    row = await SpotCheckPhoto.select().where(SpotCheckPhoto.uid == uid).first()
    if row is None:
        return None
    if row["answer"] != answer_id or row["source_sha256"] != sha:
        raise PhotoConflict(N_("A different photo was already sent under this identifier."))
    return row


def _is_unique_violation(exc: BaseException) -> bool:
    from app.capture.services import _is_unique_violation as unique

    return unique(exc)


async def photo_upload(
    *,
    user,
    check_id: int,
    item_id: int,
    uid: object,
    data: bytes,
    store: DocumentStore,
    settings: Settings,
) -> PhotoResult:
    uid = _uid(uid)
    check = await visible_check(user, check_id)
    answer = await _answer(check_id, item_id)
    sha = hashlib.sha256(data).hexdigest()
    existing = await _replay(uid, sha, answer["id"])
    if existing is not None:
        return PhotoResult(existing, created=False)
    require_changeable(user, check)
    if await SpotCheckPhoto.count().where(SpotCheckPhoto.answer == answer["id"]) >= (
        PHOTOS_PER_ITEM
    ):
        raise DomainError(N_("An item can have at most %(n)s photos."), n=PHOTOS_PER_ITEM)
    try:
        processed = await workers.run(
            settings, imaging.process_photo, data, limits=limits_for(settings)
        )
    except imaging.ImageRefused as exc:
        raise ValidationError({"file": exc.message}) from exc
    file_name = await store.put(processed.jpeg, name=derived_name(uid, sha, "evidence"))
    try:
        thumb_name = await store.put(processed.thumbnail, name=derived_name(uid, sha, "thumb"))
    except BaseException:
        await store.delete(file_name)
        raise
    try:
        async with write_transaction(_engine()):
            await SpotCheckPhoto.insert(
                SpotCheckPhoto(
                    uid=uid,
                    answer=answer["id"],
                    source_sha256=sha,
                    file_name=file_name,
                    thumb_name=thumb_name,
                    bytes=len(processed.jpeg),
                    width=processed.width,
                    height=processed.height,
                    uploaded_by=user.id,
                    created_at=_now(),
                )
            )
            if await _bump(check_id, _now()) is None:
                raise CheckConflict(MSG_CLOSED)
    except BaseException as exc:
        if _is_unique_violation(exc):  # the same photo raced in on another connection
            try:
                existing = await _replay(uid, sha, answer["id"])
            except PhotoConflict:
                await store.delete(file_name, thumb_name)
                raise
            if existing is not None:
                return PhotoResult(existing, created=False)
        await store.delete(file_name, thumb_name)
        raise
    photo = await SpotCheckPhoto.select().where(SpotCheckPhoto.uid == uid).first()
    return PhotoResult(photo, created=True)


async def photo_delete(*, user, check_id: int, uid: object, store: DocumentStore) -> dict:
    await changeable_check(user, check_id)
    photo = await _photo(check_id, uid)
    async with write_transaction(_engine()):
        await SpotCheckPhoto.delete().where(SpotCheckPhoto.id == photo["id"])
        if await _bump(check_id, _now()) is None:
            raise CheckConflict(MSG_CLOSED)
    await store.delete(photo["file_name"], photo["thumb_name"])
    return photo


async def photo_image(
    *, user, check_id: int, uid: object, thumbnail: bool, store: DocumentStore, ip: str = ""
) -> bytes:
    """The photo (or its thumbnail); every view is audited."""
    check = await visible_check(user, check_id)
    photo = await _photo(check_id, uid)
    data = await store.get(photo["thumb_name"] if thumbnail else photo["file_name"])
    await audit_record(
        action="spot_check_thumbnail_viewed" if thumbnail else "spot_check_photo_viewed",
        actor_id=user.id,
        actor_label=user.username,
        object_type="spot_check_photo",
        object_id=photo["uid"],
        ip=ip,
        details={"check": check_id, "point": check["point"]},
    )
    return data


# ---------------------------------------------------------------------------
# Completing


def score_of(answers: list[dict]) -> float | None:
    """Passed weight / (passed + failed weight) x 100; None when nothing was applicable.
    `answers`: rows with `result` and `weight`."""
    passed = sum(a["weight"] for a in answers if a["result"] == ItemResult.passed.value)
    failed = sum(a["weight"] for a in answers if a["result"] == ItemResult.failed.value)
    if passed + failed == 0:
        return None
    return round(passed * 100 / (passed + failed), 1)


async def answers_with_items(check_id: int) -> list[dict]:
    return (
        await SpotCheckAnswer.select(
            *SpotCheckAnswer.all_columns(),
            SpotCheckAnswer.item.code.as_alias("code"),
            SpotCheckAnswer.item.label.as_alias("label"),
            SpotCheckAnswer.item.weight.as_alias("weight"),
            SpotCheckAnswer.item.photo_required.as_alias("photo_required"),
            SpotCheckAnswer.item.position.as_alias("position"),
        )
        .where(SpotCheckAnswer.check == check_id)
        .order_by(SpotCheckAnswer.item.position)
        .order_by(SpotCheckAnswer.item.id)
    )


async def completion_problems(check_id: int) -> dict[str, str]:
    """What stops the check from being completed: `item-<item id>` -> msgid."""
    answers = await answers_with_items(check_id)
    photos = {
        r["answer"]
        for r in await SpotCheckPhoto.select(SpotCheckPhoto.answer).where(
            SpotCheckPhoto.answer.check == check_id
        )
    }
    actions = {
        r["item"]
        for r in await CorrectiveAction.select(CorrectiveAction.item).where(
            CorrectiveAction.check == check_id
        )
    }
    problems: dict[str, str] = {}
    for a in answers:
        key = f"item-{a['item']}"
        if a["result"] == ItemResult.unanswered.value:
            problems[key] = N_("Answer this item: pass, fail or not applicable.")
        elif a["result"] == ItemResult.failed.value:
            if a["photo_required"] and a["id"] not in photos:
                problems[key] = N_("This item failed: add a photo as evidence.")
            elif a["item"] not in actions:
                problems[key] = N_("Say what the point must put right, and by when.")
    if not problems and score_of(answers) is None:
        problems["items"] = N_("At least one item must pass or fail for the check to be scored.")
    return problems


async def check_complete(*, user, check_id: int, version: object, ip: str = "") -> float:
    """Completes the check: every item answered, evidence present; records the score and
    closes the earlier corrective actions this check's passing items answer. Returns the
    score."""
    check = await changeable_check(user, check_id)
    if str(version).strip() != str(check["version"]):
        raise CheckConflict(MSG_CHECK_CHANGED)
    problems = await completion_problems(check_id)
    if problems:
        raise ValidationError(problems)
    now = _now()
    async with write_transaction(_engine()):
        answers = await answers_with_items(check_id)
        score = score_of(answers)
        done = (
            await SpotCheck.update(
                {
                    SpotCheck.status: CheckStatus.completed.value,
                    SpotCheck.completed_at: now,
                    SpotCheck.score: score,
                    SpotCheck.version: check["version"] + 1,
                    SpotCheck.updated_at: now,
                }
            )
            .where(
                (SpotCheck.id == check_id)
                & (SpotCheck.version == check["version"])
                & (SpotCheck.status == CheckStatus.in_progress.value)
            )
            .returning(SpotCheck.id)
        )
        if not done:
            raise CheckConflict(MSG_CHECK_CHANGED)
        passed = [a["code"] for a in answers if a["result"] == ItemResult.passed.value]
        closed = []
        if passed:
            earlier = CorrectiveAction.select(CorrectiveAction.id).where(
                (CorrectiveAction.point == check["point"])
                & (CorrectiveAction.status == ActionStatus.open.value)
                & (CorrectiveAction.check != check_id)
                & (CorrectiveAction.check.status == CheckStatus.completed.value)
                & CorrectiveAction.item.code.is_in(passed)
            )
            closed = [r["id"] for r in await earlier]
            if closed:
                await CorrectiveAction.update(
                    {
                        CorrectiveAction.status: ActionStatus.closed.value,
                        CorrectiveAction.closed_by_check: check_id,
                        CorrectiveAction.closed_at: now,
                    }
                ).where(CorrectiveAction.id.is_in(closed))
        await audit_record(
            action="spot_check_completed",
            actor_id=user.id,
            actor_label=user.username,
            object_type="spot_check",
            object_id=str(check_id),
            ip=ip,
            details={"point": check["point"], "score": score, "closed_actions": closed},
        )
    return score
