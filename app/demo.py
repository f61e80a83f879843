"""Demo data for `make run`: one organisation of each kind, points in outer districts,
one user per role."""

from __future__ import annotations

from app.accounts.services import user_create
from app.accounts.tables import Role, User
from app.points.tables import AgentPoint, Organisation, OrganisationKind, PointStatus

DEMO_PASSWORD = "matkhau-demo-2025"  # noqa: S105 - printed in the README, demo only

ORGANISATIONS = [
    ("Bưu điện Thành phố Hà Nội", OrganisationKind.postal, "0100109106-001"),
    ("Công ty Cổ phần Công nghệ Số Sông Hồng", OrganisationKind.it_company, "0109876543"),
    ("Trung tâm Dịch vụ Cộng đồng Ba Vì", OrganisationKind.licensed_org, "0101234567"),
]

POINTS = [
    # (code, name, organisation index, district, commune, address)
    ("DL-BV-001", "Điểm Bưu điện Ba Vì", 0, "Ba Vì", "Tây Đằng", "Số 12 phố Tây Đằng"),
    ("DL-SS-001", "Điểm Bưu điện Sóc Sơn", 0, "Sóc Sơn", "Sóc Sơn", "Số 5 đường Núi Đôi"),
    ("DL-DA-001", "Điểm Công nghệ Số Đông Anh", 1, "Đông Anh", "Đông Anh", "Số 88 đường Cao Lỗ"),
    ("DL-CM-001", "Điểm Cộng đồng Chương Mỹ", 2, "Chương Mỹ", "Chúc Sơn", "Số 3 phố Chúc Sơn"),
]

USERS = [
    # (username, full name, role, point code or None, organisation index or None)
    ("daily.bavi", "Nguyễn Thị Hoa", Role.agent, "DL-BV-001", None),
    ("daily.dongan", "Trần Văn Minh", Role.agent, "DL-DA-001", None),
    ("quanly.buudien", "Lê Thị Thu", Role.point_manager, None, 0),
    ("giamsat", "Phạm Quốc Anh", Role.supervisor, None, None),
    ("quantri", "Đỗ Minh Tuấn", Role.admin, None, None),
]


async def demo_load() -> bool:
    """Loads the demo data into an empty database; returns False when data already exists."""
    if await User.count() or await Organisation.count():
        return False
    org_ids = []
    for name, kind, tax_code in ORGANISATIONS:
        org = Organisation(name=name, kind=kind, tax_code=tax_code, contact_phone="0243824xxxx")
        await org.save()
        org_ids.append(org.id)
    point_ids = {}
    for code, name, org_index, district, commune, address in POINTS:
        point = AgentPoint(
            code=code,
            name=name,
            organisation=org_ids[org_index],
            district=district,
            commune=commune,
            address=address,
            phase=1,
            status=PointStatus.active,
            is_outer_district=True,
        )
        await point.save()
        point_ids[code] = point.id
    for username, full_name, role, point_code, org_index in USERS:
        await user_create(
            username=username,
            full_name=full_name,
            password=DEMO_PASSWORD,
            role=role.value,
            point_id=point_ids.get(point_code) if point_code else None,
            organisation_id=org_ids[org_index] if org_index is not None else None,
        )
    return True
