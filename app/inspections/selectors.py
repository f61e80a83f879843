"""Reads for the spot-check pages, always scoped to the reader (a point manager sees their
organisation's points' checks and actions, the Centre's staff everything)."""

from __future__ import annotations

import uuid

from piccolo.query.functions.aggregate import Count

from app.accounts.guards import scope_to_user
from app.dossiers.selectors import today_local
from app.errors import NotFoundError
from app.inspections import services
from app.inspections.tables import (
    ActionStatus,
    ChecklistItem,
    ChecklistTemplate,
    CheckStatus,
    CorrectiveAction,
    ItemResult,
    SpotCheck,
    SpotCheckPhoto,
)
from app.points.tables import AgentPoint
from app.web.i18n import N_

LIST_LIMIT = 200
STATUSES = tuple(s.value for s in CheckStatus)

CHECK_COLUMNS = (
    SpotCheck.id,
    SpotCheck.status,
    SpotCheck.started_at,
    SpotCheck.completed_at,
    SpotCheck.score,
    SpotCheck.point,
    SpotCheck.supervisor,
    SpotCheck.point.name.as_alias("point_name"),
    SpotCheck.point.code.as_alias("point_code"),
    SpotCheck.point.district.as_alias("point_district"),
    SpotCheck.supervisor.full_name.as_alias("supervisor_name"),
    SpotCheck.template.version.as_alias("template_version"),
)


async def checks_visible_to(user, *, point_id: int | None = None, status: str = "") -> list[dict]:
    query = SpotCheck.select(*CHECK_COLUMNS)
    if point_id is not None:
        query = query.where(SpotCheck.point == point_id)
    if status in STATUSES:
        query = query.where(SpotCheck.status == status)
    query = query.order_by(SpotCheck.started_at, ascending=False).limit(LIST_LIMIT)
    return await scope_to_user(query, user, SpotCheck.point)


async def points_for_filter(user) -> list[dict]:
    query = AgentPoint.select(AgentPoint.id, AgentPoint.code, AgentPoint.name).order_by(
        AgentPoint.code
    )
    return await scope_to_user(query, user, AgentPoint.id)


def _action_view(row: dict, today) -> dict:
    return {
        **row,
        "overdue": row["status"] == ActionStatus.open.value and row["due_date"] < today,
    }


ACTION_COLUMNS = (
    CorrectiveAction.id,
    CorrectiveAction.check,
    CorrectiveAction.item,
    CorrectiveAction.point,
    CorrectiveAction.description,
    CorrectiveAction.due_date,
    CorrectiveAction.status,
    CorrectiveAction.closed_by_check,
    CorrectiveAction.closed_at,
    CorrectiveAction.created_at,
    CorrectiveAction.item.label.as_alias("item_label"),
    CorrectiveAction.point.name.as_alias("point_name"),
    CorrectiveAction.point.code.as_alias("point_code"),
    CorrectiveAction.check.completed_at.as_alias("check_completed_at"),
)


async def open_actions(user, *, point_id: int | None = None) -> list[dict]:
    """Open corrective actions of completed checks, the most overdue first."""
    query = CorrectiveAction.select(*ACTION_COLUMNS).where(
        (CorrectiveAction.status == ActionStatus.open.value)
        & (CorrectiveAction.check.status == CheckStatus.completed.value)
    )
    if point_id is not None:
        query = query.where(CorrectiveAction.point == point_id)
    query = query.order_by(CorrectiveAction.due_date).order_by(CorrectiveAction.id)
    today = today_local()
    return [
        _action_view(r, today) for r in await scope_to_user(query, user, CorrectiveAction.point)
    ]


async def points_to_check(user) -> list[dict]:
    """Approved and active points, each with its last completed check, its open and overdue
    corrective actions, and this supervisor's check in progress there, if any."""
    query = (
        AgentPoint.select(
            AgentPoint.id,
            AgentPoint.code,
            AgentPoint.name,
            AgentPoint.district,
            AgentPoint.commune,
            AgentPoint.organisation.name.as_alias("organisation_name"),
        )
        .where(AgentPoint.status.is_in(list(services.CHECKABLE_POINTS)))
        .order_by(AgentPoint.district)
        .order_by(AgentPoint.code)
    )
    points = await scope_to_user(query, user, AgentPoint.id)
    last: dict[int, dict] = {}
    completed = (
        SpotCheck.select(SpotCheck.id, SpotCheck.point, SpotCheck.completed_at, SpotCheck.score)
        .where(SpotCheck.status == CheckStatus.completed.value)
        .order_by(SpotCheck.completed_at, ascending=False)
    )
    for row in await completed:
        last.setdefault(row["point"], row)
    mine = {
        r["point"]: r["id"]
        for r in await SpotCheck.select(SpotCheck.id, SpotCheck.point).where(
            (SpotCheck.supervisor == user.id) & (SpotCheck.status == CheckStatus.in_progress.value)
        )
    }
    actions: dict[int, dict] = {}
    for action in await open_actions(user):
        entry = actions.setdefault(action["point"], {"open": 0, "overdue": 0})
        entry["open"] += 1
        entry["overdue"] += action["overdue"]
    for point in points:
        point["last"] = last.get(point["id"])
        point["ongoing"] = mine.get(point["id"])
        point["actions"] = actions.get(point["id"], {"open": 0, "overdue": 0})
    return points


async def check_view(user, check_id: int) -> dict:
    """One check with its point, checklist version, every item with its answer, photos and
    corrective action, and the earlier actions it closed."""
    query = SpotCheck.select(
        *SpotCheck.all_columns(),
        SpotCheck.point.name.as_alias("point_name"),
        SpotCheck.point.code.as_alias("point_code"),
        SpotCheck.point.district.as_alias("point_district"),
        SpotCheck.point.address.as_alias("point_address"),
        SpotCheck.point.organisation.name.as_alias("organisation_name"),
        SpotCheck.supervisor.full_name.as_alias("supervisor_name"),
        SpotCheck.template.name.as_alias("template_name"),
        SpotCheck.template.version.as_alias("template_version"),
    ).where(SpotCheck.id == check_id)
    check = await scope_to_user(query, user, SpotCheck.point).first()
    if check is None:
        raise NotFoundError(services.MSG_NOT_FOUND)
    answers = await services.answers_with_items(check_id)
    photos: dict[int, list[dict]] = {}
    for photo in (
        await SpotCheckPhoto.select()
        .where(SpotCheckPhoto.answer.check == check_id)
        .order_by(SpotCheckPhoto.created_at)
        .order_by(SpotCheckPhoto.id)
    ):
        photos.setdefault(photo["answer"], []).append(photo)
    today = today_local()
    actions = {
        a["item"]: _action_view(a, today)
        for a in await CorrectiveAction.select(*ACTION_COLUMNS).where(
            CorrectiveAction.check == check_id
        )
    }
    items = []
    for answer in answers:
        items.append(
            {
                **answer,
                "photos": photos.get(answer["id"], []),
                "action": actions.get(answer["item"]),
                "new_photo_id": str(uuid.uuid4()),
                "default_action": services.default_action(answer["label"]),
                "default_due": services.default_due(today),
            }
        )
    check["items"] = items
    check["answered"] = sum(1 for a in answers if a["result"] != ItemResult.unanswered.value)
    check["preview_score"] = services.score_of(answers)
    check["editable"] = services.can_change(user, check)
    check["closed_actions"] = [
        _action_view(a, today)
        for a in await CorrectiveAction.select(*ACTION_COLUMNS).where(
            CorrectiveAction.closed_by_check == check_id
        )
    ]
    check["failed"] = [i for i in items if i["result"] == ItemResult.failed.value]
    return check


async def item_view(user, check_id: int, item_id: int) -> tuple[dict, dict]:
    """The check and one of its items, as `check_view` shows them."""
    check = await check_view(user, check_id)
    for item in check["items"]:
        if item["item"] == item_id:
            return check, item
    raise NotFoundError(services.MSG_NOT_FOUND)


async def templates_list() -> list[dict]:
    versions = await ChecklistTemplate.select(
        *ChecklistTemplate.all_columns(),
        ChecklistTemplate.created_by.full_name.as_alias("created_by_name"),
    ).order_by(ChecklistTemplate.version, ascending=False)
    items = {
        r["template"]: r["n"]
        for r in await ChecklistItem.select(
            ChecklistItem.template, Count(ChecklistItem.id, alias="n")
        ).group_by(ChecklistItem.template)
    }
    used = {
        r["template"]: r["n"]
        for r in await SpotCheck.select(
            SpotCheck.template, Count(SpotCheck.id, alias="n")
        ).group_by(SpotCheck.template)
    }
    for v in versions:
        v["items"] = items.get(v["id"], 0)
        v["used"] = used.get(v["id"], 0)
    return versions


async def template_view(template_id: int) -> dict:
    row = (
        await ChecklistTemplate.select(
            *ChecklistTemplate.all_columns(),
            ChecklistTemplate.created_by.full_name.as_alias("created_by_name"),
        )
        .where(ChecklistTemplate.id == template_id)
        .first()
    )
    if row is None:
        raise NotFoundError(N_("This checklist version does not exist."))
    row["items"] = await services.template_items(template_id)
    row["used"] = await SpotCheck.count().where(SpotCheck.template == template_id)
    return row
