"""Who sees which spot checks: point managers their organisation's points' checks and actions,
agents nothing, the Centre everything."""

from __future__ import annotations

from tests import factories
from tests.inspections.support import (
    CHECKS,
    complete,
    items_of,
    new_id,
    save,
    scene_photo,
    start,
    supervisor,
    upload,
)


async def _completed(client, point: int, action: str) -> tuple[int, str]:
    check_id = await start(client, point)
    photo_id = new_id()
    for item in await items_of(check_id):
        if item["code"] == "hours_posted":
            await save(client, check_id, item["item"], "fail", 0, action=action)
            assert (
                await upload(client, check_id, item["item"], scene_photo(), photo_id=photo_id)
            ).status_code == 201
        else:
            await save(client, check_id, item["item"], "pass", 0)
    assert (await complete(client, check_id)).status_code == 303
    return check_id, photo_id


async def test_managers_see_their_organisations_checks_and_agents_nothing(client):
    org_a = await factories.organisation(name="Bưu điện A")
    org_b = await factories.organisation(name="Công ty B")
    point_a = await factories.point(organisation_id=org_a, code="DL-SA-001")
    point_b = await factories.point(organisation_id=org_b, code="DL-SB-001")
    await factories.user(role="point_manager", username="ql.a", organisation_id=org_a)
    await factories.user(role="agent", username="dl.a", point_id=point_a)
    await supervisor(client)
    check_a, photo_a = await _completed(client, point_a, "Treo bảng giờ làm việc (A)")
    check_b, _ = await _completed(client, point_b, "Treo bảng giờ làm việc (B)")

    listing = await client.page(CHECKS)  # the supervisor: everything
    assert "DL-SA-001" in listing.text and "DL-SB-001" in listing.text

    await client.login("ql.a")
    listing = await client.page(CHECKS)
    assert "DL-SA-001" in listing.text and "DL-SB-001" not in listing.text
    assert "Treo bảng giờ làm việc (A)" in listing.text
    assert "Treo bảng giờ làm việc (B)" not in listing.text
    assert "Bắt đầu kiểm tra" not in listing.text
    page = await client.page(f"{CHECKS}/{check_a}")
    assert page.by_id("check-score") is not None
    image = await client.get(f"{CHECKS}/{check_a}/anh/{photo_a}/anh-nho.jpg")
    assert image.status_code == 200
    assert (await client.get(f"{CHECKS}/{check_b}")).status_code == 404
    filtered = await client.page(f"{CHECKS}?diem={point_b}")
    assert "DL-SB-001 ·" not in filtered.text and "Treo bảng giờ làm việc (B)" not in filtered.text
    assert (await client.get(f"{CHECKS}/moi")).status_code == 403
    assert (await client.submit(f"{CHECKS}/moi", {"point": str(point_a)})).status_code == 403
    item = (await items_of(check_a))[0]["item"]
    assert (await save(client, check_a, item, "pass", 1)).status_code == 403

    await client.login("dl.a")
    for url in (CHECKS, f"{CHECKS}/{check_a}", f"{CHECKS}/{check_a}/anh/{photo_a}/anh.jpg"):
        response = await client.get(url)
        assert response.status_code == 403, url
        assert "Treo bảng" not in response.text
