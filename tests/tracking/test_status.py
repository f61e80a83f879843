"""The citizen's status page and its polling block."""

from __future__ import annotations

import datetime as dt

from app.dossiers.states import FINAL, LABELS, S
from app.web.i18n import format_datetime, translator
from tests import factories
from tests.tracking.support import TOKEN, add_delivery, add_event, move, set_dossier

URL = f"/theo-doi/{TOKEN}"
BLOCK = f"{URL}/trang-thai"
VI = translator("vi")


def _block(page):
    return page.by_id("dossier-status")


async def test_status_page_explains_the_step_in_plain_vietnamese(client, submitted):
    page = await client.page(URL)
    assert page.title.startswith("Hồ sơ của bạn")
    assert "000.00.26.H26-251123-0001" in page.text
    assert "Đăng ký khai sinh" in page.text
    block = _block(page)
    badge = block.find(".//span")
    assert badge.get("class") == "status status-submitted"
    assert badge.text == VI.gettext(LABELS[S.submitted])
    assert "Cơ quan giải quyết sẽ kiểm tra và tiếp nhận" in page.text
    assert "Sẽ có khi cơ quan tiếp nhận hồ sơ" in page.text
    assert page.doc.find(".//a[@href='/tra-cuu']") is not None
    assert "miễn phí" in page.text.lower()
    assert page.headers["cache-control"] == "no-store"
    assert "noindex" in page.headers["x-robots-tag"]


async def test_status_page_shows_masked_personal_data_only(client, submitted):
    response = await client.get(URL)
    text = response.text
    assert "N. V. An" in text and "Nguyễn Văn An" not in text
    assert "0xx xxx x678" in text and "0912345678" not in text
    assert "001090012345" not in text and "Tây Đằng, Ba Vì, Hà Nội" not in text
    assert "Người dùng" not in text  # no staff names


async def test_timeline_lists_each_step_with_time_and_reason(client, submitted):
    at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    await move(submitted, "received", due_date=dt.date(2025, 11, 27))
    await add_event(submitted, "received", "processing", at=at)
    await set_dossier(submitted, status="processing")
    page = await client.page(URL)
    items = [
        " ".join("".join(li.itertext()).split())
        for li in page.doc.iter("li")
        if li.get("class") == "timeline-item"
    ]
    assert len(items) == 3
    assert items[0].startswith(f"{format_datetime(at)} Đang xử lý")  # newest first, Hanoi time
    assert "Cổng Dịch vụ công quốc gia" in items[0]
    assert "Đã được tiếp nhận" in items[1]
    assert "Đã gửi lên Cổng DVC" in items[2]
    assert "27/11/2025" in page.text  # the appointment date


async def test_supplement_request_says_what_to_do(client, submitted):
    await move(submitted, "received")
    await move(
        submitted,
        "supplement_requested",
        reason="Thiếu bản sao giấy đăng ký kết hôn",
        supplement_note="Bản sao giấy đăng ký kết hôn của cha mẹ",
    )
    page = await client.page(URL)
    block = " ".join("".join(_block(page).itertext()).split())
    assert "Cần bổ sung giấy tờ" in block
    assert "Việc bạn cần làm" in block
    assert "Cơ quan yêu cầu bổ sung: Bản sao giấy đăng ký kết hôn của cha mẹ" in block
    assert "Mang giấy tờ cùng giấy tiếp nhận đến điểm đại lý" in block


async def test_refusal_shows_the_reason(client, submitted):
    await move(submitted, "not_accepted", reason="Hồ sơ không thuộc thẩm quyền của xã")
    page = await client.page(URL)
    assert "Lý do: Hồ sơ không thuộc thẩm quyền của xã" in page.text


async def test_reason_with_percent_sign_is_shown_as_typed(client, submitted):
    await move(submitted, "stopped", reason="Đã nộp 50% lệ phí, thiếu %(x)s")
    page = await client.page(URL)
    assert "Đã nộp 50% lệ phí, thiếu %(x)s" in page.text


async def test_delivery_by_post_can_be_followed(client, submitted):
    await move(submitted, "received")
    await move(submitted, "resolved", result_delivery="post")
    await move(submitted, "result_dispatched")
    await add_delivery(submitted, status="dispatched", waybill="EB123456789VN")
    page = await client.page(URL)
    text = page.text
    assert "Đã gửi kết quả qua bưu điện" in text
    assert "Qua bưu điện, đến địa chỉ bạn đã đăng ký" in text
    assert "Đang trên đường phát" in text and "EB123456789VN" in text


async def test_overdue_dossier_says_so(client, submitted):
    await move(submitted, "received", due_date=dt.date(2020, 1, 2))
    page = await client.page(URL)
    assert "Đã quá ngày hẹn" in page.text
    await move(submitted, "supplement_requested", supplement_note="Bản sao sổ hộ khẩu")
    page = await client.page(URL)
    assert "Đã quá ngày hẹn" not in page.text  # the office waits for the citizen
    await move(submitted, "processing")
    await move(submitted, "resolved")
    page = await client.page(URL)
    assert "Đã quá ngày hẹn" not in page.text  # ready: nothing late about it any more


async def test_every_state_renders_with_its_own_word(client, point_agent):
    _, agent_id = point_agent
    for n, state in enumerate(S):
        token = f"state-token-{n:04d}-abcdefgh"
        await factories.dossier(agent_id=agent_id, status=state.value, token=token)
        page = await client.page(f"/theo-doi/{token}")
        block = _block(page)
        assert VI.gettext(LABELS[state]) in "".join(block.itertext())
        polls = block.get("hx-trigger") == "every 15s"
        assert polls is (state not in FINAL), state


async def test_unknown_or_malformed_token_is_a_localised_404(client, submitted):
    for token in ("x" * 32, "short", "a" * 65, "токен-1234567890abcdef", "a'b\"<c>1234567890123"):
        page = await client.page(f"/theo-doi/{token}", status=404)
        assert page.title.startswith("Không tìm thấy trang")
        assert "Không tìm thấy hồ sơ này" in page.text, token
    page = await client.page("/theo-doi/abc%2F..%2Fdef1234567890", status=404)
    assert page.title.startswith("Không tìm thấy trang")
    response = await client.get(
        "/theo-doi/" + "y" * 40 + "/trang-thai", headers={"HX-Request": "true"}
    )
    assert response.status_code == 404
    assert "Không tìm thấy hồ sơ này" in response.text


async def test_status_block_polls_while_the_dossier_is_open(client, submitted):
    page = await client.page(URL)
    block = _block(page)
    etag = block.get("hx-get").split("?v=")[1]
    assert block.get("hx-get") == f"{BLOCK}?v={etag}"
    assert block.get("hx-trigger") == "every 15s" and block.get("hx-swap") == "outerHTML"
    # The same partial, alone, for the poll: a fragment whose root is the block itself.
    fragment = await client.page(BLOCK, htmx=True)
    assert fragment.status_code == 200
    assert fragment.doc[0].get("id") == "dossier-status"
    assert fragment.headers["etag"] == f'"{etag}"'
    assert fragment.headers["cache-control"] == "no-store"
    assert "<html" not in fragment.response.text


async def test_unchanged_dossier_costs_no_rendering(client, submitted):
    page = await client.page(URL)
    etag = _block(page).get("hx-get").split("?v=")[1]
    nothing = await client.get(f"{BLOCK}?v={etag}", headers={"HX-Request": "true"})
    assert nothing.status_code == 204 and nothing.content == b""
    not_modified = await client.get(BLOCK, headers={"If-None-Match": f'"{etag}"'})
    assert not_modified.status_code == 304 and not_modified.content == b""
    weak = await client.get(BLOCK, headers={"If-None-Match": f'W/"{etag}", "other"'})
    assert weak.status_code == 304
    # A change gives a new rendering with a new fingerprint.
    await move(submitted, "received", due_date=dt.date(2025, 12, 1))
    changed = await client.get(f"{BLOCK}?v={etag}", headers={"HX-Request": "true"})
    assert changed.status_code == 200
    assert "Đã được tiếp nhận" in changed.text and "01/12/2025" in changed.text
    assert changed.headers["etag"] != f'"{etag}"'
    assert f"?v={changed.headers['etag'].strip(chr(34))}" in changed.text


async def test_changes_without_a_new_version_are_still_seen(client, submitted):
    page = await client.page(URL)
    etag = _block(page).get("hx-get").split("?v=")[1]
    # Registering delivery by post touches updated_at but not the version.
    from app.dossiers.tables import Dossier

    await Dossier.update(
        {Dossier.result_delivery: "post", Dossier.updated_at: dt.datetime.now(dt.UTC)}
    ).where(Dossier.id == submitted)
    r = await client.get(f"{BLOCK}?v={etag}", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "Qua bưu điện" in r.text


async def test_final_dossier_answers_286_and_stops_polling(client, submitted):
    page = await client.page(URL)
    etag = _block(page).get("hx-get").split("?v=")[1]
    await move(submitted, "not_accepted", reason="Sai thẩm quyền")
    r = await client.get(f"{BLOCK}?v={etag}", headers={"HX-Request": "true"})
    assert r.status_code == 286
    assert "Không được tiếp nhận" in r.text and "hx-trigger" not in r.text
    # Asked again with its own fingerprint, a final dossier still says "stop".
    r2 = await client.get(
        f"{BLOCK}?v={r.headers['etag'].strip(chr(34))}", headers={"HX-Request": "true"}
    )
    assert r2.status_code == 286
    page = await client.page(URL)
    assert _block(page).get("hx-get") is None
