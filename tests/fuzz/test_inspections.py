"""Every spot-check form fuzzed with hostile values: never a 5xx, nothing echoed unescaped,
a refusal says what is wrong in Vietnamese, and photo uploads leave no orphan files.

The routes register in test_forms.FUZZED, which `test_every_post_route_is_fuzzed` checks."""

from __future__ import annotations

import urllib.parse

import pytest
from hypothesis import strategies as st

from tests import factories
from tests.fuzz.harness import check_response, form_bodies, fuzz, hostile_text, maybe, post_form
from tests.fuzz.test_forms import FILES, _files_on_disk, _shows_safely, covers
from tests.inspections.support import CHECKS, items_of, new_id, scene_photo, start, upload

RESULTS = st.sampled_from(["pass", "fail", "na", ""])
DATES = st.sampled_from(["2031-02-30", "01/01/2099", "2026-12-31", "31/12/2026", "", "0000-01-01"])


async def _supervisor_check(client) -> tuple[int, list[int]]:
    await factories.user(role="supervisor", username="fuzz.gs")
    await client.login("fuzz.gs")
    check_id = await start(client, await factories.point())
    return check_id, [i["item"] for i in await items_of(check_id)]


async def _orphans_check(settings, before: set[str]) -> None:
    from app.capture.storage import NAME_RE
    from app.inspections.tables import SpotCheckPhoto

    on_disk = _files_on_disk(settings) - before
    assert all(NAME_RE.match(n) for n in on_disk), f"leftover temporary files: {on_disk}"
    named = set()
    for row in await SpotCheckPhoto.select(SpotCheckPhoto.file_name, SpotCheckPhoto.thumb_name):
        named.update((row["file_name"], row["thumb_name"]))
    assert on_disk == named - before, f"orphans {on_disk - named}, missing {named - on_disk}"


@covers("/giam-sat/kiem-tra/moi")
async def test_start(client):
    await factories.user(role="supervisor", username="fuzz.gs")
    await client.login("fuzz.gs")
    point = str(await factories.point())
    fields = {
        "point": point,
        "latitude": st.floats(allow_nan=True).map(str),
        "longitude": "105.4",
        "accuracy": "10",
    }

    async def example(body):
        response = await post_form(client, f"{CHECKS}/moi", body)
        check_response(response, where="POST start")

    await fuzz(form_bodies(fields), example)
    await _shows_safely(client, f"{CHECKS}/moi", "start")


@covers("/giam-sat/kiem-tra/{check_id:int}/muc/{item_id:int}")
async def test_answer_save(client):
    check_id, items = await _supervisor_check(client)
    strategy = st.tuples(
        form_bodies(
            {
                "result": RESULTS,
                "note": hostile_text(),
                "revision": st.integers(0, 3).map(str),
                "action": hostile_text(),
                "due": DATES,
            }
        ),
        maybe(st.sampled_from([str(i) for i in items])),
        st.booleans(),
    )

    async def example(value):
        body, item, autosave = value
        url = f"{CHECKS}/{check_id}/muc/{urllib.parse.quote(item[:200], safe='')}"
        headers = {"X-Autosave": "1"} if autosave else {}
        response = await post_form(client, url, body, headers=headers)
        check_response(response, where=f"POST answer {item!r:.30}")
        await _shows_safely(client, f"{CHECKS}/{check_id}", "answer")

    await fuzz(strategy, example)


@covers("/giam-sat/kiem-tra/{check_id:int}/luu")
async def test_plain_save(client):
    check_id, items = await _supervisor_check(client)
    fields = {}
    for item in items[:3]:
        fields |= {
            f"result-{item}": RESULTS,
            f"note-{item}": hostile_text(),
            f"revision-{item}": st.integers(0, 2).map(str),
            f"action-{item}": hostile_text(),
            f"due-{item}": DATES,
        }
    fields["result-99999999999"] = "pass"

    async def example(body):
        response = await post_form(client, f"{CHECKS}/{check_id}/luu", body)
        check_response(response, where="POST plain save")
        await _shows_safely(client, f"{CHECKS}/{check_id}", "plain save")

    await fuzz(form_bodies(fields), example)


@covers("/giam-sat/kiem-tra/{check_id:int}/muc/{item_id:int}/anh")
async def test_photo_upload(client, settings):
    before = _files_on_disk(settings)
    check_id, items = await _supervisor_check(client)
    strategy = st.fixed_dictionaries(
        {
            "item": maybe(st.sampled_from([str(i) for i in items])),
            "photo_id": maybe(st.uuids().map(str)),
            "file": FILES,
            "filename": st.one_of(st.just("photo.jpg"), hostile_text()),
            "autosave": st.booleans(),
        }
    )

    async def example(v):
        from app.inspections.tables import SpotCheckPhoto

        await SpotCheckPhoto.delete(force=True)  # an item holds at most 5 photos
        url = f"{CHECKS}/{check_id}/muc/{urllib.parse.quote(v['item'][:200], safe='')}/anh"
        headers = {"x-csrftoken": await client.csrf_token()}
        if v["autosave"]:
            headers["X-Autosave"] = "1"
        response = await client.post(
            url,
            data={"photo_id": v["photo_id"]},
            files={"file": (v["filename"][:200] or "x", v["file"], "image/jpeg")},
            headers=headers,
        )
        check_response(response, where=f"POST photo {v['photo_id']!r:.40}")

    await fuzz(strategy, example)
    from app.capture.storage import document_store
    from app.inspections.tables import SpotCheckPhoto

    # Rows deleted above (to stay under the per-item limit) leave their files: drop them too.
    named = set()
    for row in await SpotCheckPhoto.select(SpotCheckPhoto.file_name, SpotCheckPhoto.thumb_name):
        named.update((row["file_name"], row["thumb_name"]))
    stray = _files_on_disk(settings) - before - named
    await document_store(settings).delete(*stray)
    await _orphans_check(settings, before)


@covers("/giam-sat/kiem-tra/{check_id:int}/anh/{photo_uid:str}/xoa")
async def test_photo_delete(client, settings):
    before = _files_on_disk(settings)
    check_id, items = await _supervisor_check(client)
    strategy = st.tuples(st.one_of(st.just("real"), hostile_text()), st.booleans())

    async def example(value):
        uid, htmx = value
        if uid == "real":
            uid = new_id()
            response = await upload(
                client, check_id, items[1], scene_photo((300, 200)), photo_id=uid
            )
            assert response.status_code == 201
        url = f"{CHECKS}/{check_id}/anh/{urllib.parse.quote(uid[:200], safe='') or 'x'}/xoa"
        response = await client.submit(url, htmx=htmx)
        check_response(response, where=f"POST delete {uid!r:.40}")
        await _orphans_check(settings, before)

    await fuzz(strategy, example)


@covers("/giam-sat/kiem-tra/{check_id:int}/hoan-thanh")
async def test_complete(client):
    check_id, _ = await _supervisor_check(client)

    async def example(body):
        response = await post_form(client, f"{CHECKS}/{check_id}/hoan-thanh", body)
        check_response(response, where="POST complete")

    await fuzz(form_bodies({"version": st.integers(0, 5).map(str)}), example)


@covers("/giam-sat/mau-kiem-tra/moi")
@covers("/giam-sat/mau-kiem-tra/{template_id:int}/ap-dung")
@pytest.mark.parametrize("action", ["moi", "ap-dung"])
async def test_template_actions(client, action):
    from app.inspections.services import template_active

    await factories.user(role="admin", username="fuzz.qt")
    await client.login("fuzz.qt")
    template = await template_active()
    url = "/giam-sat/mau-kiem-tra/moi" if action == "moi" else None

    async def example(value):
        body, template_id = value
        target = (
            url
            or f"/giam-sat/mau-kiem-tra/{urllib.parse.quote(template_id[:200], safe='')}/ap-dung"
        )
        response = await post_form(client, target, body)
        check_response(response, where=f"POST {target:.60}")

    strategy = st.tuples(form_bodies({"x": "1"}), maybe(str(template["id"])))
    await fuzz(strategy, example)


@covers("/giam-sat/mau-kiem-tra/{template_id:int}")
async def test_template_editor(client):
    await factories.user(role="supervisor", username="fuzz.gs")
    await client.login("fuzz.gs")
    response = await client.submit("/giam-sat/mau-kiem-tra/moi")
    url = response.headers["location"].split("?")[0]
    fields = {"name": "Bảng kiểm tra", "label-new": hostile_text(), "weight-new": "1"}
    for i in range(3):
        fields |= {
            f"code-{i}": st.sampled_from(["hours_posted", "", "HOURS", "x" * 60]),
            f"label-{i}": "Mục kiểm tra",
            f"weight-{i}": st.sampled_from(["1", "10", "0", "11", "²", "-1"]),
            f"position-{i}": st.sampled_from(["0", "5", "999", "1000", "①"]),
            f"photo-{i}": "1",
            f"remove-{i}": st.sampled_from(["", "1"]),
        }

    async def example(body):
        response = await post_form(client, url, body)
        check_response(response, where="POST template editor")
        await _shows_safely(client, url, "template editor")

    await fuzz(form_bodies(fields), example)
