"""Checklist versions: the default Vietnamese checklist, a new version copied from the active
one, editing an unused version, activation, and old checks keeping the items they used."""

from __future__ import annotations

from app.inspections.seed import DEFAULT_ITEMS, checklist_seed
from app.inspections.tables import ChecklistItem, ChecklistTemplate, SpotCheck
from tests import factories
from tests.inspections.support import CHECKS, items_of, start, supervisor

TEMPLATES = "/giam-sat/mau-kiem-tra"


def _form(items: list[dict], name: str = "Bảng kiểm tra 2026") -> dict:
    data = {"name": name, "label-new": ""}
    for i, item in enumerate(items):
        data |= {
            f"code-{i}": item["code"],
            f"label-{i}": item["label"],
            f"weight-{i}": str(item["weight"]),
            f"position-{i}": str(i + 1),
        }
        if item["photo_required"]:
            data[f"photo-{i}"] = "1"
    return data


async def test_the_seed_adds_version_1_once():
    assert await checklist_seed() == 1
    assert await checklist_seed() == 0
    template = (await ChecklistTemplate.select())[0]
    assert template["version"] == 1 and template["is_active"]
    items = await ChecklistItem.select().order_by(ChecklistItem.position)
    assert [i["code"] for i in items] == [code for code, *_ in DEFAULT_ITEMS]
    assert "Nhân viên đeo thẻ" in items[1]["label"]


async def test_a_new_version_is_edited_activated_and_old_checks_keep_their_items(client):
    await supervisor(client)
    point = await factories.point()
    old_check = await start(client, point)
    listing = await client.page(TEMPLATES)
    assert "Phiên bản 1" in listing.text and "Đang áp dụng" in listing.text

    response = await client.submit(f"{TEMPLATES}/moi")
    assert response.status_code == 303
    new_id = int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])
    # Pressed twice: the unused draft is reused rather than a third version made.
    again = await client.submit(f"{TEMPLATES}/moi")
    assert again.headers["location"] == response.headers["location"]
    page = await client.page(response.headers["location"])
    assert "Đã tạo phiên bản mới từ phiên bản đang áp dụng." in page.text
    assert len(page.select_all("textarea")) == len(DEFAULT_ITEMS) + 1

    items = [dict(i) for i in await ChecklistItem.select().where(ChecklistItem.template == new_id)]
    items[0]["label"] = "Niêm yết giờ làm việc, số điện thoại đường dây nóng"
    items[0]["weight"] = 4
    form = _form(items[:-1])  # the last item removed...
    form[f"remove-{len(items) - 2}"] = "1"  # ...and the one before it too
    form |= {"label-new": "Có ghế chờ cho người cao tuổi", "weight-new": "2", "photo-new": "1"}
    form["position-new"] = "0"
    saved = await client.submit(f"{TEMPLATES}/{new_id}", form)
    assert saved.status_code == 303, saved.text[:2000]
    new_items = (
        await ChecklistItem.select()
        .where(ChecklistItem.template == new_id)
        .order_by(ChecklistItem.position)
    )
    assert [i["label"] for i in new_items][:2] == [
        "Có ghế chờ cho người cao tuổi",
        "Niêm yết giờ làm việc, số điện thoại đường dây nóng",
    ]
    assert len(new_items) == len(DEFAULT_ITEMS) - 1
    assert new_items[0]["code"].startswith("co_ghe_cho") and new_items[0]["photo_required"]
    assert new_items[1]["code"] == "hours_posted" and new_items[1]["weight"] == 4

    activated = await client.submit(f"{TEMPLATES}/{new_id}/ap-dung")
    assert activated.status_code == 303
    active = await ChecklistTemplate.select().where(ChecklistTemplate.is_active.eq(True))
    assert [t["id"] for t in active] == [new_id]

    # The check started before keeps version 1's items; a new check uses version 2.
    old_page = await client.page(f"{CHECKS}/{old_check}")
    assert "Niêm yết giờ làm việc và thông báo hỗ trợ miễn phí" in old_page.text
    assert "Có ghế chờ" not in old_page.text
    other_point = await factories.point()
    new_check = await start(client, other_point)
    assert [i["label"] for i in await items_of(new_check)][0] == "Có ghế chờ cho người cao tuổi"
    assert (await SpotCheck.select(SpotCheck.template).where(SpotCheck.id == new_check))[0][
        "template"
    ] == new_id

    # A version in use is never edited: the page says so and a post is refused.
    used = await client.page(f"{TEMPLATES}/{new_id}")
    assert "đã được dùng để kiểm tra nên không thể sửa" in used.text
    assert not used.select_all("textarea")
    refused = await client.submit(f"{TEMPLATES}/{new_id}", form)
    assert refused.status_code == 409
    assert len(await ChecklistItem.select().where(ChecklistItem.template == new_id)) == len(
        new_items
    )


async def test_editing_errors_are_shown_next_to_the_rows(client):
    await supervisor(client)
    await checklist_seed()
    response = await client.submit(f"{TEMPLATES}/moi")
    url = response.headers["location"].split("?")[0]
    new_id = int(url.rsplit("/", 1)[1])
    items = [dict(i) for i in await ChecklistItem.select().where(ChecklistItem.template == new_id)]
    form = _form(items, name="")
    form["label-2"] = "   "
    form["weight-3"] = "11"
    refused = await client.submit(url, form)
    assert refused.status_code == 422
    for message in (
        "Nhập tên bảng kiểm tra.",
        "Nhập nội dung cần kiểm tra.",
        "Trọng số là số nguyên từ 1 đến 10.",
    ):
        assert message in refused.text
    assert 'id="f-weight-3-error"' in refused.text and 'value="11"' in refused.text
    # Everything removed: refused, nothing changed.
    empty = {"name": "X", **{f"remove-{i}": "1" for i in range(len(items))}}
    empty |= {f"label-{i}": item["label"] for i, item in enumerate(items)}
    refused = await client.submit(url, empty)
    assert refused.status_code == 422 and "Bảng kiểm tra phải có ít nhất một mục." in refused.text
    assert len(await ChecklistItem.select().where(ChecklistItem.template == new_id)) == len(items)


async def test_only_the_centre_manages_checklists(client):
    org = await factories.organisation()
    await factories.user(role="point_manager", username="ql.mau", organisation_id=org)
    await client.login("ql.mau")
    response = await client.get(TEMPLATES)
    assert response.status_code == 403
