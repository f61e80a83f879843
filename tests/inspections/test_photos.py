"""Photo evidence: cleaned by the capture pipeline (upright, no metadata, re-encoded), stored
encrypted, idempotent by the tablet's id, bad files refused with a Vietnamese message and
nothing left behind, thumbnails shown, every view audited, deletable while in progress."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image

from app.audit.tables import AuditEvent
from app.capture.services import documents_purge
from app.capture.storage import document_store
from app.inspections.tables import SpotCheckPhoto
from tests import factories
from tests.inspections.support import (
    CHECKS,
    answer_all,
    complete,
    items_of,
    new_id,
    scene_photo,
    start,
    supervisor,
    upload,
)


def _files(settings) -> set[str]:
    return {name for name, _ in document_store(settings).storage.names()}


async def _check(client) -> tuple[int, int]:
    await supervisor(client)
    check_id = await start(client, await factories.point())
    return check_id, (await items_of(check_id))[0]["item"]


async def test_upload_is_cleaned_encrypted_and_idempotent(client, settings):
    check_id, item = await _check(client)
    before = _files(settings)
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: shown rotated 90° clockwise
    exif[0x010F] = "PhoneMaker"
    data = scene_photo((1600, 1200), exif=exif)
    photo_id = new_id()
    first = await upload(client, check_id, item, data, photo_id=photo_id)
    assert first.status_code == 201 and first.headers["x-photo-status"] == "created"
    assert f"/giam-sat/kiem-tra/{check_id}/anh/{photo_id}/anh-nho.jpg" in first.text
    replay = await upload(client, check_id, item, data, photo_id=photo_id)
    assert replay.status_code == 200 and replay.headers["x-photo-status"] == "replayed"
    assert await SpotCheckPhoto.count() == 1
    row = (await SpotCheckPhoto.select())[0]
    assert (row["width"], row["height"]) == (1200, 1600)  # upright
    new_files = _files(settings) - before
    assert new_files == {row["file_name"], row["thumb_name"]}
    raw = document_store(settings).storage.get(row["file_name"])
    assert b"PhoneMaker" not in raw and raw[:3] != b"\xff\xd8\xff"  # encrypted at rest

    image = await client.get(f"{CHECKS}/{check_id}/anh/{photo_id}/anh.jpg")
    assert image.status_code == 200 and image.headers["cache-control"] == "no-store"
    shown = Image.open(io.BytesIO(image.content))
    assert shown.size == (1200, 1600) and not shown.getexif()
    thumb = await client.get(f"{CHECKS}/{check_id}/anh/{photo_id}/anh-nho.jpg")
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 320
    actions = [r["action"] for r in await AuditEvent.select().order_by(AuditEvent.seq)]
    assert actions.count("spot_check_photo_viewed") == 1
    assert actions.count("spot_check_thumbnail_viewed") == 1

    # The same id with other bytes is a conflict, and writes nothing.
    other = await upload(client, check_id, item, scene_photo(seed=9), photo_id=photo_id)
    assert other.status_code == 409
    assert "Đã có một ảnh khác được gửi với mã định danh này." in other.text
    assert _files(settings) - before == new_files


async def test_bad_files_are_refused_with_a_message_and_leave_nothing(client, settings):
    check_id, item = await _check(client)
    before = _files(settings)
    cases = [
        (b"%PDF-1.4 not a photo", "Tệp này không phải là ảnh"),
        (scene_photo()[:5000], "Ảnh bị hỏng hoặc không đầy đủ"),
        (b"", "Tệp trống"),
    ]
    for data, message in cases:
        response = await upload(client, check_id, item, data)
        assert response.status_code == 422, response.text[:300]
        assert message in response.text, response.text[:500]
    assert await SpotCheckPhoto.count() == 0
    assert _files(settings) == before
    # Without the script: the check page again, the message next to the item.
    plain = await client.submit(
        f"{CHECKS}/{check_id}/muc/{item}/anh",
        {"photo_id": new_id()},
        files={"file": ("x.jpg", b"GIF89a....", "image/jpeg")},
    )
    assert plain.status_code == 422
    assert f'id="f-item-{item}-error"' in plain.text and "Tệp này không phải là ảnh" in plain.text
    no_file = await client.submit(f"{CHECKS}/{check_id}/muc/{item}/anh", {"photo_id": new_id()})
    assert no_file.status_code == 422 and "Chọn hoặc chụp một ảnh trước." in no_file.text


async def test_plain_upload_and_delete_while_in_progress(client, settings):
    check_id, item = await _check(client)
    before = _files(settings)
    photo_id = new_id()
    response = await client.submit(
        f"{CHECKS}/{check_id}/muc/{item}/anh",
        {"photo_id": photo_id},
        files={"file": ("p.jpg", scene_photo(), "image/jpeg")},
    )
    assert response.status_code == 303
    page = await client.page(f"{CHECKS}/{check_id}")
    assert page.by_id(f"photo-{photo_id}") is not None
    deleted = await client.submit(f"{CHECKS}/{check_id}/anh/{photo_id}/xoa", htmx=True)
    assert deleted.status_code == 200 and photo_id not in deleted.text
    assert await SpotCheckPhoto.count() == 0
    assert _files(settings) == before


async def test_photos_of_a_completed_check_stay(client, settings):
    check_id, item = await _check(client)
    photo_id = new_id()
    assert (
        await upload(client, check_id, item, scene_photo(), photo_id=photo_id)
    ).status_code == 201
    await answer_all(client, check_id, "pass")
    assert (await complete(client, check_id)).status_code == 303
    refused = await client.submit(f"{CHECKS}/{check_id}/anh/{photo_id}/xoa")
    assert refused.status_code == 409
    late = await upload(client, check_id, item, scene_photo(seed=5))
    assert late.status_code == 409
    summary = await client.page(f"{CHECKS}/{check_id}")
    assert summary.by_id(f"photo-{photo_id}") is not None
    # The nightly purge sweeps files no record names: evidence photos are named, so they stay.
    row = (await SpotCheckPhoto.select())[0]
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    await documents_purge(store=document_store(settings), settings=settings, now=future)
    assert {row["file_name"], row["thumb_name"]} <= _files(settings)


async def test_an_item_holds_at_most_five_photos(client):
    check_id, item = await _check(client)
    for seed in range(5):
        assert (
            await upload(client, check_id, item, scene_photo((400, 300), seed=seed))
        ).status_code == 201
    refused = await upload(client, check_id, item, scene_photo((400, 300), seed=7))
    assert refused.status_code == 400 and "Mỗi mục có tối đa 5 ảnh." in refused.text
