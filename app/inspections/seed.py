"""The default spot-check checklist (version 1), written by the Centre in Vietnamese.

`checklist_seed()` adds it when no checklist exists yet and does nothing otherwise, so an
edited or newer version is never touched. Item codes stay the same across versions: a later
check in which an item of the same code passes closes the corrective action opened for it.
"""

from __future__ import annotations

import datetime as dt

from app.db import write_transaction
from app.inspections.tables import ChecklistItem, ChecklistTemplate

DEFAULT_NAME = "Bảng kiểm tra điểm đại lý dịch vụ công"

# (code, Vietnamese label, English label, weight, photo required when failed)
DEFAULT_ITEMS: tuple[tuple[str, str, str, int, bool], ...] = (
    (
        "hours_posted",
        "Niêm yết giờ làm việc và thông báo hỗ trợ miễn phí cho người dân",
        "Opening hours and free-assistance notice posted",
        2,
        True,
    ),
    (
        "staff_badge",
        "Nhân viên đeo thẻ nhân viên đại lý",
        "Staff wear their agent badge",
        1,
        True,
    ),
    (
        "equipment_working",
        "Thiết bị hoạt động tốt: máy tính, máy quét/máy ảnh, máy in, kết nối Internet",
        "Equipment working: computer, scanner/camera, printer, internet",
        3,
        True,
    ),
    (
        "procedures_posted",
        "Niêm yết danh mục thủ tục hành chính thực hiện tại điểm",
        "List of procedures done at the point posted",
        2,
        True,
    ),
    (
        "waiting_time",
        "Thời gian chờ của người dân dưới 15 phút",
        "Waiting time under 15 minutes",
        2,
        False,
    ),
    (
        "correct_guidance",
        "Hướng dẫn người dân đúng quy trình, đúng thành phần hồ sơ",
        "Correct guidance observed (procedure and documents)",
        3,
        False,
    ),
    (
        "personal_data",
        "Bảo vệ dữ liệu cá nhân: giấy tờ của người dân không để ngoài tầm kiểm soát",
        "Personal data handled properly (documents not left out)",
        3,
        True,
    ),
    (
        "premises",
        "Mặt bằng sạch sẽ, thuận tiện cho người cao tuổi và người khuyết tật",
        "Premises clean and accessible",
        1,
        True,
    ),
)


async def checklist_seed() -> int:
    """Adds version 1 of the default checklist, active, when there is no checklist at all;
    returns how many versions were added (0 or 1)."""
    async with write_transaction(ChecklistTemplate._meta.db):
        if await ChecklistTemplate.count():
            return 0
        template = ChecklistTemplate(
            name=DEFAULT_NAME, version=1, is_active=True, created_at=dt.datetime.now(dt.UTC)
        )
        await template.save()
        await ChecklistItem.insert(
            *(
                ChecklistItem(
                    template=template.id,
                    position=position,
                    code=code,
                    label=label,
                    label_en=label_en,
                    weight=weight,
                    photo_required=photo,
                )
                for position, (code, label, label_en, weight, photo) in enumerate(DEFAULT_ITEMS)
            )
        )
    return 1
