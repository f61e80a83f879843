"""Demo data for `make run`: one organisation of each kind (valid tax codes), points in outer
districts across the lifecycle (with coordinates, hours and history), one user per role, and a
training course whose session trained one demo agent and not the other."""

from __future__ import annotations

import datetime as dt

from app.accounts.services import user_create
from app.accounts.tables import Role, User
from app.points.tables import (
    AgentPoint,
    Organisation,
    OrganisationKind,
    PointEvent,
    PointStatus,
)
from app.training.tables import TrainingAttendance, TrainingCourse, TrainingSession

DEMO_PASSWORD = "matkhau-demo-2025"  # noqa: S105 - printed in the README, demo only
S = PointStatus

ORGANISATIONS = [
    # (name, kind, tax code, contact, phone, e-mail, address, licence number, licence date)
    (
        "Bưu điện Thành phố Hà Nội",
        OrganisationKind.postal,
        "0100109106-001",
        "Lê Thị Thu",
        "02438245678",
        "daily@buudienhanoi.vn",
        "75 Đinh Tiên Hoàng, Hoàn Kiếm",
        "12/GP-TTPVHCC",
        dt.date(2025, 1, 10),
    ),
    (
        "Công ty Cổ phần Công nghệ Số Sông Hồng",
        OrganisationKind.it_company,
        "0102456786",
        "Vũ Đức Long",
        "0912345001",
        "lienhe@songhongso.vn",
        "Số 18 Cao Lỗ, Đông Anh",
        "15/GP-TTPVHCC",
        dt.date(2025, 1, 20),
    ),
    (
        "Trung tâm Dịch vụ Cộng đồng Ba Vì",
        OrganisationKind.licensed_org,
        "0101234565",
        "Đinh Thị Mai",
        "0988123456",
        "",
        "Thị trấn Tây Đằng, Ba Vì",
        "21/GP-TTPVHCC",
        dt.date(2025, 3, 3),
    ),
]

HOURS = "Thứ 2 – Thứ 6: 7:30–17:00; Thứ 7: 7:30–11:30"
POINTS = [
    # (code, name, org index, district code, district, commune code, commune, address,
    #  latitude, longitude, phone, phase, status, criteria met)
    (
        "DL-BV-001",
        "Điểm Bưu điện Ba Vì",
        0,
        "271",
        "Ba Vì",
        "09619",
        "Xã Quảng Oai",
        "Số 12 phố Tây Đằng",
        21.2003,
        105.4236,
        "02433863101",
        1,
        S.active,
        True,
    ),
    (
        "DL-SS-001",
        "Điểm Bưu điện Sóc Sơn",
        0,
        "016",
        "Sóc Sơn",
        "00376",
        "Xã Sóc Sơn",
        "Số 5 đường Núi Đôi",
        21.2578,
        105.8486,
        "02438843102",
        1,
        S.active,
        True,
    ),
    (
        "DL-DA-001",
        "Điểm Công nghệ Số Đông Anh",
        1,
        "017",
        "Đông Anh",
        "00454",
        "Xã Đông Anh",
        "Số 88 đường Cao Lỗ",
        21.1365,
        105.8497,
        "0912345002",
        1,
        S.active,
        True,
    ),
    (
        "DL-CM-001",
        "Điểm Cộng đồng Chương Mỹ",
        2,
        "277",
        "Chương Mỹ",
        "10015",
        "Phường Chương Mỹ",
        "Số 3 phố Chúc Sơn",
        20.9228,
        105.7048,
        "0988123457",
        1,
        S.active,
        True,
    ),
    (
        "DL-PX-001",
        "Điểm Bưu điện Phú Xuyên",
        0,
        "280",
        "Phú Xuyên",
        "10273",
        "Xã Phú Xuyên",
        "Số 20 phố Phú Xuyên",
        20.7360,
        105.9100,
        "02433854103",
        1,
        S.suspended,
        True,
    ),
    (
        "DL-TT-001",
        "Điểm Công nghệ Số Thạch Thất",
        1,
        "276",
        "Thạch Thất",
        "09955",
        "Xã Thạch Thất",
        "Số 7 đường Liên Quan",
        21.0406,
        105.5560,
        "0912345003",
        2,
        S.approved,
        True,
    ),
    (
        "DL-GL-001",
        "Điểm Bưu điện Gia Lâm",
        0,
        "018",
        "Gia Lâm",
        "00565",
        "Xã Gia Lâm",
        "Số 9 phố Ngô Xuân Quảng",
        21.0180,
        105.9390,
        "02438276104",
        2,
        S.under_review,
        False,
    ),
    (
        "DL-ML-001",
        "Điểm Cộng đồng Mê Linh",
        2,
        "250",
        "Mê Linh",
        "09022",
        "Xã Mê Linh",
        "Thôn Văn Lôi, Tam Đồng",
        21.1866,
        105.7730,
        "",
        2,
        S.proposed,
        False,
    ),
    (
        "DL-ST-001",
        "Điểm Bưu điện Sơn Tây",
        0,
        "269",
        "Sơn Tây",
        "09574",
        "Phường Sơn Tây",
        "Số 2 phố Quang Trung",
        21.1390,
        105.5050,
        "02433832105",
        1,
        S.closed,
        True,
    ),
]
# How each demo point reached its status, with the reasons the history shows.
PATHS = {
    S.proposed: [S.proposed],
    S.under_review: [S.proposed, S.under_review],
    S.approved: [S.proposed, S.under_review, S.approved],
    S.active: [S.proposed, S.under_review, S.approved, S.active],
    S.suspended: [S.proposed, S.under_review, S.approved, S.active, S.suspended],
    S.closed: [S.proposed, S.under_review, S.approved, S.active, S.closed],
}
REASONS = {
    S.suspended: "Máy quét hỏng, chờ thay thế; tạm dừng tiếp nhận hồ sơ.",
    S.closed: "Tổ chức chuyển điểm sang địa điểm khác, đóng điểm cũ.",
}

USERS = [
    # (username, full name, role, point code or None, organisation index or None)
    ("daily.bavi", "Nguyễn Thị Hoa", Role.agent, "DL-BV-001", None),
    ("daily.dongan", "Trần Văn Minh", Role.agent, "DL-DA-001", None),
    ("daily.thachthat", "Bùi Thị Ngọc", Role.agent, "DL-TT-001", None),
    ("daily.gialam", "Ngô Văn Hải", Role.agent, "DL-GL-001", None),
    ("quanly.buudien", "Lê Thị Thu", Role.point_manager, None, 0),
    ("giamsat", "Phạm Quốc Anh", Role.supervisor, None, None),
    ("quantri", "Đỗ Minh Tuấn", Role.admin, None, None),
]


async def _history(point_id: int, status: S, *, proposer: int, reviewer: int) -> None:
    at = dt.datetime(2025, 1, 6, 2, 0, tzinfo=dt.UTC)
    previous = ""
    for step, target in enumerate(PATHS[status]):
        await PointEvent(
            point=point_id,
            from_status=previous,
            to_status=target.value,
            actor=proposer if step == 0 else reviewer,
            reason=REASONS.get(target, ""),
            at=at + dt.timedelta(days=9 * step),
        ).save()
        previous = target.value


async def _training(agents: dict[str, int], recorder: int) -> None:
    now = dt.datetime.now(dt.UTC)
    course = TrainingCourse(
        topic="Sử dụng Cổng Dịch vụ công quốc gia và kỹ năng hướng dẫn người dân",
        description="Nộp hồ sơ trực tuyến, số hóa giấy tờ, đăng ký nhận kết quả qua bưu chính "
        "công ích; kỹ năng giao tiếp với người cao tuổi.",
        created_at=now,
    )
    await course.save()
    session = TrainingSession(
        course=course.id,
        day=dt.date(2025, 1, 15),
        trainer="ThS. Hoàng Thị Lan",
        place="Hội trường 2, Trung tâm Phục vụ hành chính công Hà Nội",
        created_at=now,
    )
    await session.save()
    outcomes = {
        "daily.bavi": (True, "passed", ""),
        "daily.thachthat": (True, "passed", ""),
        "daily.dongan": (False, "pending", "Ốm, hẹn học buổi sau"),
        "daily.gialam": (True, "failed", "Cần học lại phần số hóa giấy tờ"),
    }
    for username, (attended, result, note) in outcomes.items():
        staff = agents[username]
        await TrainingAttendance(
            key=f"{session.id}:{staff}",
            session=session.id,
            staff=staff,
            attended=attended,
            result=result,
            note=note,
            recorded_by=recorder,
            recorded_at=now,
        ).save()


async def demo_load() -> bool:
    """Loads the demo data into an empty database; returns False when data already exists."""
    if await User.count() or await Organisation.count():
        return False
    now = dt.datetime.now(dt.UTC)
    org_ids = []
    for name, kind, tax, contact, phone, email, address, licence, licence_day in ORGANISATIONS:
        org = Organisation(
            name=name,
            kind=kind,
            tax_code=tax,
            contact_name=contact,
            contact_phone=phone,
            contact_email=email,
            address=address,
            licence_number=licence,
            licence_date=licence_day,
            created_at=now,
        )
        await org.save()
        org_ids.append(org.id)
    point_ids: dict[str, int] = {}
    statuses: dict[str, S] = {}
    for row in POINTS:
        code, name, org_index, d_code, district, c_code, commune, address = row[:8]
        lat, lng, phone, phase, status, criteria = row[8:]
        point = AgentPoint(
            code=code,
            name=name,
            organisation=org_ids[org_index],
            district_code=d_code,
            district=district,
            commune_code=c_code,
            commune=commune,
            address=address,
            latitude=lat,
            longitude=lng,
            opening_hours=HOURS,
            phone=phone,
            phase=phase,
            status=status,
            is_outer_district=True,
            has_premises=True,
            has_computer=True,
            has_scanner=criteria,
            has_printer=criteria,
            has_internet=True,
            reviewed_by_name="Phạm Quốc Anh" if criteria else "",
            reviewed_at=dt.datetime(2025, 1, 24, 3, 0, tzinfo=dt.UTC) if criteria else None,
            created_at=now,
        )
        await point.save()
        point_ids[code] = point.id
        statuses[code] = status
    user_ids = {}
    for username, full_name, role, point_code, org_index in USERS:
        user_ids[username] = await user_create(
            username=username,
            full_name=full_name,
            password=DEMO_PASSWORD,
            role=role.value,
            point_id=point_ids.get(point_code) if point_code else None,
            organisation_id=org_ids[org_index] if org_index is not None else None,
        )
    for code, point_id in point_ids.items():
        await _history(
            point_id,
            statuses[code],
            proposer=user_ids["quanly.buudien"],
            reviewer=user_ids["giamsat"],
        )
    await _training(user_ids, user_ids["giamsat"])
    from app.reports.demo import demo_history_load

    await demo_history_load()  # months of dossiers for the supervision dashboard
    from app.inspections.demo import inspections_demo

    await inspections_demo()
    from app.feedback.demo import demo_ratings

    await demo_ratings()
    return True
