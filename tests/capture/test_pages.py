"""Capture through the real app: uploads from the queue and the plain form, idempotent
replays, refusals that leave nothing behind, page actions, files served to the right people
only, the PDF per document, and what goes to the portal."""

from __future__ import annotations

import re

import pytest

from app.audit.tables import AuditEvent
from app.capture.storage import document_store
from app.capture.tables import DocumentPage
from app.dossiers.tables import DossierComponent
from tests import factories
from tests.capture.support import agent_with_dossier, document_photo, new_id, upload


@pytest.fixture(scope="module")
def sharp() -> bytes:
    return document_photo()


@pytest.fixture(scope="module")
def blurred() -> bytes:
    return document_photo(blur=6)


async def _components(dossier: int) -> list[int]:
    rows = (
        await DossierComponent.select(DossierComponent.id)
        .where(DossierComponent.dossier == dossier)
        .order_by(DossierComponent.position)
    )
    return [r["id"] for r in rows]


def _stored_files(settings) -> set[str]:
    return {name for name, _ in document_store(settings).storage.names()}


async def test_capture_page_lists_the_documents(client):
    _, _, dossier = await agent_with_dossier(client)
    page = await client.page(f"/ho-so/{dossier}/chup")
    html = page.response.text
    assert "Chụp giấy tờ" in page.text
    assert len(page.select_all("input", name="component")) == 2
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert "Chưa chụp trang nào." in page.text
    detail = await client.page(f"/ho-so/{dossier}")
    assert f'href="/ho-so/{dossier}/chup"' in detail.response.text


async def test_queue_upload_stores_a_clean_page_and_replays_idempotently(client, sharp, settings):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    page_id = new_id()
    first = await upload(client, dossier, component, sharp, page_id=page_id)
    assert first.status_code == 201, first.text[:500]
    assert first.headers["x-page-status"] == "created"
    assert first.headers["cache-control"] == "no-store"
    assert f'id="p-{page_id}"' in first.text and "Trang 1" in first.text
    assert "page-flagged" not in first.text
    rows = await DocumentPage.select()
    assert len(rows) == 1 and rows[0]["uid"] == page_id and rows[0]["problems"] == ""
    assert rows[0]["bytes"] <= settings.capture_page_budget_bytes
    files_before = _stored_files(settings)
    assert {rows[0]["file_name"], rows[0]["thumb_name"]} <= files_before

    again = await upload(client, dossier, component, sharp, page_id=page_id)
    assert again.status_code == 200 and again.headers["x-page-status"] == "replayed"
    assert await DocumentPage.count() == 1
    assert _stored_files(settings) == files_before  # nothing stored twice

    conflict = await upload(client, dossier, component, document_photo(seed=7), page_id=page_id)
    assert conflict.status_code == 409
    assert "Một ảnh khác đã được gửi" in conflict.text
    assert await DocumentPage.count() == 1 and _stored_files(settings) == files_before


async def test_stored_page_is_encrypted_and_has_no_metadata(client, sharp, settings):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    response = await upload(client, dossier, component, sharp)
    assert response.status_code == 201
    row = await DocumentPage.objects().first()
    store = document_store(settings)
    raw = store.storage.get(row.file_name)
    assert not raw.startswith(b"\xff\xd8") and b"JFIF" not in raw[:64]  # ciphertext at rest
    image = await store.get(row.file_name)
    assert image.startswith(b"\xff\xd8") and b"Exif" not in image[:4096]


async def test_blurred_page_is_flagged_with_a_retake_button(client, blurred):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    response = await upload(client, dossier, component, blurred)
    assert response.status_code == 201
    assert "page-flagged" in response.text
    assert "Ảnh bị mờ" in response.text
    assert "Chụp lại" in response.text and 'name="replaces"' in response.text
    page = await client.page(f"/ho-so/{dossier}/chup")
    assert "1 ảnh cần chụp lại." in page.text
    detail = await client.page(f"/ho-so/{dossier}")
    assert "1 trang" in detail.text and "1 ảnh cần chụp lại" in detail.text


async def test_retake_replaces_the_flagged_page_in_its_place(client, sharp, blurred, settings):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    first, bad, last = new_id(), new_id(), new_id()
    for page_id, data in ((first, sharp), (bad, blurred), (last, document_photo(seed=3))):
        assert (await upload(client, dossier, component, data, page_id=page_id)).status_code == 201
    old = await DocumentPage.objects().where(DocumentPage.uid == bad).first()
    retake = new_id()
    response = await upload(
        client, dossier, component, document_photo(seed=9), page_id=retake, replaces=bad
    )
    assert response.status_code == 201
    order = [
        r["uid"]
        for r in await DocumentPage.select(DocumentPage.uid).order_by(DocumentPage.position)
    ]
    assert order == [first, retake, last]
    assert not ({old.file_name, old.thumb_name} & _stored_files(settings))


async def test_keep_anyway_clears_the_retake_request(client, blurred):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    page_id = new_id()
    await upload(client, dossier, component, blurred, page_id=page_id)
    response = await client.submit(f"/ho-so/{dossier}/trang/{page_id}/giu", htmx=True)
    assert response.status_code == 200
    assert "page-flagged" not in response.text and "Đã giữ lại" in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Tệp trống"),
        (b"GIF89a" + b"\0" * 100, "không phải"),
        (b"\xff\xd8\xff\xe0" + b"garbage" * 50, "hỏng"),
    ],
)
async def test_refused_upload_leaves_nothing_behind(client, settings, data, message):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    before = _stored_files(settings)
    response = await upload(client, dossier, component, data)
    assert response.status_code == 422
    assert message in response.text
    assert await DocumentPage.count() == 0
    assert _stored_files(settings) == before


async def test_plain_form_without_javascript(client, sharp):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    page = await client.page(f"/ho-so/{dossier}/chup")
    page_id = page.select_all("input", name="page_id")[0].get("value")
    response = await upload(client, dossier, component, sharp, page_id=page_id, queue=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/ho-so/{dossier}/chup#c-{component}"
    resent = await upload(client, dossier, component, sharp, page_id=page_id, queue=False)
    assert resent.status_code == 303 and await DocumentPage.count() == 1  # a refresh re-sends
    bad = await upload(client, dossier, component, b"not an image", queue=False)
    assert bad.status_code == 422
    assert "error-message" in bad.text and "Chụp giấy tờ" in bad.text


async def test_plain_form_sent_without_choosing_a_file(client):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    response = await client.submit(
        f"/ho-so/{dossier}/trang",
        {"component": str(component), "page_id": new_id()},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert response.status_code == 422
    assert "Chọn hoặc chụp một ảnh trước." in response.text
    assert await DocumentPage.count() == 0


async def test_several_files_in_one_plain_form(client, sharp):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    response = await client.submit(
        f"/ho-so/{dossier}/trang",
        {"component": str(component), "page_id": new_id()},
        files=[("file", ("a.jpg", sharp, "image/jpeg")), ("file", ("b.jpg", sharp, "image/jpeg"))],
    )
    assert response.status_code == 303
    assert await DocumentPage.count() == 2


async def test_rotate_move_and_delete(client, sharp, settings):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    a, b = new_id(), new_id()
    await upload(client, dossier, component, sharp, page_id=a)
    await upload(client, dossier, component, document_photo(seed=5), page_id=b)
    rotated = await client.submit(f"/ho-so/{dossier}/trang/{a}/xoay?chieu=phai", htmx=True)
    assert rotated.status_code == 200 and "rot-90" in rotated.text
    moved = await client.submit(f"/ho-so/{dossier}/trang/{b}/di-chuyen?huong=len", htmx=True)
    assert moved.status_code == 200
    assert moved.text.index(f'id="p-{b}"') < moved.text.index(f'id="p-{a}"')
    gone = await DocumentPage.objects().where(DocumentPage.uid == a).first()
    deleted = await client.submit(f"/ho-so/{dossier}/trang/{a}/xoa")
    assert deleted.status_code == 303  # without JavaScript: back to the page
    assert await DocumentPage.count() == 1
    assert not ({gone.file_name, gone.thumb_name} & _stored_files(settings))


async def test_images_and_pdf_are_served_uncached_and_audited(client, sharp):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    page_id = new_id()
    await upload(client, dossier, component, sharp, page_id=page_id)
    await upload(client, dossier, component, document_photo(seed=2))
    image = await client.get(f"/ho-so/{dossier}/trang/{page_id}/anh.jpg")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.headers["cache-control"] == "no-store"
    thumb = await client.get(f"/ho-so/{dossier}/trang/{page_id}/anh-nho.jpg")
    assert thumb.status_code == 200 and len(thumb.content) < len(image.content)
    pdf = await client.get(f"/ho-so/{dossier}/giay-to/{component}/ban-scan.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["cache-control"] == "no-store"
    assert len(re.findall(rb"/Type\s*/Page\b", pdf.content)) == 2
    actions = [r["action"] for r in await AuditEvent.select(AuditEvent.action)]
    for action in ("document_page_viewed", "document_thumbnail_viewed", "document_pdf_downloaded"):
        assert action in actions


async def _sign_in_as(client, username: str) -> None:
    client.cookies.clear()
    await client.login(username)


async def test_another_points_agent_sees_nothing(client, sharp):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    page_id = new_id()
    await upload(client, dossier, component, sharp, page_id=page_id)
    other_point = await factories.point(code="DL-KHAC")
    await factories.user(role="agent", username="daily.khac", point_id=other_point)
    await _sign_in_as(client, "daily.khac")
    for url in (
        f"/ho-so/{dossier}/chup",
        f"/ho-so/{dossier}/trang/{page_id}/anh.jpg",
        f"/ho-so/{dossier}/trang/{page_id}/anh-nho.jpg",
        f"/ho-so/{dossier}/giay-to/{component}/ban-scan.pdf",
    ):
        assert (await client.get(url)).status_code == 404, url
    # Replaying the page's id from elsewhere neither reveals nor changes it.
    replay = await upload(client, dossier, component, sharp, page_id=page_id)
    assert replay.status_code == 404
    for action in ("xoa", "xoay", "giu"):
        response = await client.submit(f"/ho-so/{dossier}/trang/{page_id}/{action}")
        assert response.status_code == 404
    assert await DocumentPage.count() == 1


async def test_supervisor_may_view_but_not_change(client, sharp):
    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    page_id = new_id()
    await upload(client, dossier, component, sharp, page_id=page_id)
    await factories.user(role="supervisor", username="giamsat.cap")
    await _sign_in_as(client, "giamsat.cap")
    page = await client.page(f"/ho-so/{dossier}/chup")
    html = page.response.text
    assert "data-capture-form" not in html and "anh-nho.jpg" in html
    assert (await client.get(f"/ho-so/{dossier}/trang/{page_id}/anh.jpg")).status_code == 200
    response = await client.submit(f"/ho-so/{dossier}/trang/{page_id}/xoa")
    assert response.status_code == 403


async def test_pages_are_frozen_once_sent(client, sharp):
    _, _, dossier = await agent_with_dossier(client, status="submitted")
    component = (await _components(dossier))[0]
    response = await upload(client, dossier, component, sharp)
    assert response.status_code == 409
    assert "không thể thay đổi" in response.text
    page = await client.page(f"/ho-so/{dossier}/chup")
    assert "data-capture-form" not in page.response.text


async def test_submission_hands_one_pdf_per_document_to_the_portal(client, sharp, settings):
    from app.integrations.portal import submission_for_dossier

    _, _, dossier = await agent_with_dossier(client)
    first, second = await _components(dossier)
    await upload(client, dossier, first, sharp)
    await upload(client, dossier, first, document_photo(seed=4))
    submission = await submission_for_dossier(dossier, settings=settings)
    names = {
        r["id"]: r["name"]
        for r in await DossierComponent.select(DossierComponent.id, DossierComponent.name)
    }
    files = {c.name: c.files for c in submission.components}
    assert files[names[second]] == []  # no pages photographed: sent without a file
    assert len(files[names[first]]) == 1
    pdf = files[names[first]][0]
    assert pdf.content_type == "application/pdf" and pdf.filename.endswith("-01.pdf")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf.content)) == 2


async def test_purge_after_retention_keeps_the_record(client, sharp, settings):
    import datetime as dt

    from app.capture.services import documents_purge
    from app.dossiers.tables import Dossier

    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    await upload(client, dossier, component, sharp)
    row = await DocumentPage.objects().first()
    store = document_store(settings)
    now = dt.datetime.now(dt.UTC)
    report = await documents_purge(store=store, settings=settings, now=now)
    assert report.pages == 0  # not finished yet
    await Dossier.update({Dossier.finished_at: now - dt.timedelta(days=91)}).where(
        Dossier.id == dossier
    )
    report = await documents_purge(store=store, settings=settings, now=now)
    assert report.pages == 1
    kept = await DocumentPage.objects().first()
    assert kept.file_name == "" and kept.purged_at is not None
    assert kept.source_sha256 == row.source_sha256
    assert row.file_name not in _stored_files(settings)
    page = await client.page(f"/ho-so/{dossier}/chup")
    assert "đã xóa sau thời hạn lưu trữ" in page.text


async def test_the_same_page_sent_twice_at_once_is_stored_once(client, sharp, settings):
    """Two connections deliver the same page id together (a retry racing a slow answer):
    one stores it, the other gets the stored page back; the loser's files are removed."""
    import asyncio

    from app.capture.services import page_upload

    _, user_id, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    user = await _current_user(user_id)
    store = document_store(settings)
    before = _stored_files(settings)
    page_id = new_id()
    results = await asyncio.gather(
        *(
            page_upload(
                user=user,
                dossier_id=dossier,
                component_id=component,
                uid=page_id,
                data=sharp,
                store=store,
                settings=settings,
            )
            for _ in range(3)
        )
    )
    assert sorted(r.created for r in results) == [False, False, True]
    assert await DocumentPage.count() == 1
    row = await DocumentPage.objects().first()
    assert _stored_files(settings) - before == {row.file_name, row.thumb_name}


async def _current_user(user_id: int):
    from app.accounts.selectors import current_user_by_id

    return await current_user_by_id(user_id)


async def test_a_retry_after_a_crash_reuses_the_files_it_wrote(client, sharp, settings):
    """A crash after the files were written but before the row: the client sends the page
    again, which rewrites the same two files; nothing is left that no row names."""
    from app.capture.services import derived_name

    _, _, dossier = await agent_with_dossier(client)
    component = (await _components(dossier))[0]
    store = document_store(settings)
    page_id = new_id()
    sha = __import__("hashlib").sha256(sharp).hexdigest()
    earlier = _stored_files(settings)
    for kind in ("scan", "thumb"):  # what the crashed attempt left behind
        await store.put(b"half a page", name=derived_name(page_id, sha, kind))
    left = _stored_files(settings) - earlier
    assert (await upload(client, dossier, component, sharp, page_id=page_id)).status_code == 201
    row = await DocumentPage.objects().first()
    assert _stored_files(settings) - earlier == left == {row.file_name, row.thumb_name}
    assert (await store.get(row.file_name)).startswith(b"\xff\xd8")
