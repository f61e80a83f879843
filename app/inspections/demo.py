"""Demo spot checks for `make run`: the default checklist, a failed item at Đông Anh closed by
a later re-check, and a recent check at Ba Vì that left an open corrective action."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from app.accounts.tables import User
from app.inspections import services
from app.inspections.seed import checklist_seed
from app.inspections.tables import CorrectiveAction, SpotCheck, SpotCheckAnswer
from app.points.tables import AgentPoint

# (point code, days ago, location, {item code: result}, {item code: corrective action})
DEMO_CHECKS = (
    (
        "DL-DA-001",
        40,
        (21.1365, 105.8493),
        {"correct_guidance": "fail"},
        {"correct_guidance": "Tập huấn lại cho nhân viên quy trình hướng dẫn đăng ký khai sinh"},
    ),
    ("DL-DA-001", 10, (21.1367, 105.8490), {}, {}),
    (
        "DL-BV-001",
        3,
        (21.1991, 105.4232),
        {"waiting_time": "fail", "premises": "na"},
        {"waiting_time": "Bố trí thêm một người hướng dẫn vào giờ cao điểm buổi sáng"},
    ),
)


async def inspections_demo(supervisor_username: str = "giamsat") -> int:
    """Adds the demo checks once (nothing when any check exists); returns how many."""
    await checklist_seed()
    if await SpotCheck.count():
        return 0
    row = await User.select(User.id, User.username, User.role).where(
        User.username == supervisor_username
    )
    if not row:
        return 0
    user = SimpleNamespace(id=row[0]["id"], username=row[0]["username"], role=row[0]["role"])
    made = 0
    for code, days_ago, (lat, lon), results, actions in DEMO_CHECKS:
        point = await AgentPoint.select(AgentPoint.id).where(AgentPoint.code == code)
        if not point:
            continue
        check_id, _ = await services.check_start(
            user=user, point_id=point[0]["id"], latitude=lat, longitude=lon, accuracy=15
        )
        for answer in await services.answers_with_items(check_id):
            value = services.AnswerInput(
                result=results.get(answer["code"], "pass"),
                note="Đã nhắc nhở trực tiếp tại điểm." if answer["code"] in actions else "",
                revision=answer["revision"],
                action=actions.get(answer["code"], ""),
            )
            await services.answer_save(
                user=user, check_id=check_id, item_id=answer["item"], value=value
            )
        version = (await SpotCheck.select(SpotCheck.version).where(SpotCheck.id == check_id))[0]
        await services.check_complete(user=user, check_id=check_id, version=version["version"])
        await _shift(check_id, days_ago)
        made += 1
    return made


async def _shift(check_id: int, days_ago: int) -> None:
    """Moves a demo check (and what it wrote) back in time, as if done `days_ago` days ago."""
    done = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    started = done - dt.timedelta(minutes=35)
    await SpotCheck.update(
        {SpotCheck.started_at: started, SpotCheck.completed_at: done, SpotCheck.updated_at: done}
    ).where(SpotCheck.id == check_id)
    await SpotCheckAnswer.update({SpotCheckAnswer.updated_at: done}).where(
        SpotCheckAnswer.check == check_id
    )
    await CorrectiveAction.update(
        {
            CorrectiveAction.created_at: done,
            CorrectiveAction.due_date: (done + dt.timedelta(days=14)).date(),
        }
    ).where(CorrectiveAction.check == check_id)
    await CorrectiveAction.update({CorrectiveAction.closed_at: done}).where(
        CorrectiveAction.closed_by_check == check_id
    )
