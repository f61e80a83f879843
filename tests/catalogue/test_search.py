"""Search that ignores Vietnamese diacritics and case, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from app.catalogue.search import fold, query_words, search_text_for
from app.catalogue.selectors import STATUS_ALL, procedure_search
from app.catalogue.services import procedure_retire
from app.catalogue.tables import Procedure
from tests.catalogue.support import procedure


def test_fold_strips_diacritics_case_and_punctuation():
    assert fold("Đăng ký khai sinh") == "dang ky khai sinh"
    assert fold("  ĐĂNG   KÝ  KHAI SINH ") == "dang ky khai sinh"
    assert fold("Thường trú, tạm trú (CT01)") == "thuong tru tam tru ct01"
    assert fold("Lý lịch tư pháp – Phiếu số 1") == "ly lich tu phap phieu so 1"
    # Decomposed input (as some keyboards send it) folds the same as precomposed.
    assert fold("\u0110a\u0306ng ky\u0301") == "dang ky"
    assert fold("1.001193.000.00.00.H26") == "1.001193.000.00.00.h26"
    assert fold("100% _khai_ sinh") == "100 khai sinh"


def test_query_words_are_folded_unique_and_bounded():
    assert query_words("KHAI  sinh khai") == ["khai", "sinh"]
    assert query_words("%_") == []
    assert len(query_words(" ".join(f"w{i}" for i in range(30)))) == 8


def test_search_text_holds_name_code_and_field():
    text = search_text_for(code="1.001193", name="Đăng ký khai sinh", field="Hộ tịch")
    assert text == "dang ky khai sinh 1.001193 ho tich"


async def _names(query: str, **kw) -> list[str]:
    return [r["name"] for r in (await procedure_search(query, **kw)).rows]


async def test_search_ignores_diacritics_and_case():
    await procedure(name="Đăng ký khai sinh", code="1.001193")
    await procedure(name="Đăng ký tạm trú", code="1.004194", field="Đăng ký, quản lý cư trú")
    for query in (
        "dang ky khai sinh",
        "khai sinh",
        "KHAI SINH",
        "Đăng ký khai sinh",
        "đăng ký KHAI sinh",
    ):
        assert await _names(query) == ["Đăng ký khai sinh"], query
    assert await _names("tam tru") == ["Đăng ký tạm trú"]
    assert await _names("cu tru") == ["Đăng ký tạm trú"]  # the field is searched too


async def test_search_by_code_and_by_part_of_a_code():
    await procedure(name="Đăng ký khai sinh", code="1.001193")
    await procedure(name="Đăng ký kết hôn", code="1.000894")
    assert await _names("1.001193") == ["Đăng ký khai sinh"]
    assert await _names("001193") == ["Đăng ký khai sinh"]


async def test_every_word_must_match_in_any_order():
    await procedure(name="Đăng ký khai sinh")
    await procedure(name="Đăng ký lại khai sinh")
    await procedure(name="Đăng ký khai tử")
    assert set(await _names("sinh khai")) == {"Đăng ký khai sinh", "Đăng ký lại khai sinh"}
    assert await _names("khai sinh lai") == ["Đăng ký lại khai sinh"]
    assert await _names("khai sinh ket hon") == []


async def test_exact_and_prefix_matches_come_first():
    await procedure(name="Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT")
    await procedure(name="Đăng ký khai sinh kết hợp nhận cha, mẹ, con")
    await procedure(name="Khai sinh cho trẻ bị bỏ rơi")
    await procedure(name="Đăng ký khai sinh")
    names = await _names("dang ky khai sinh")
    assert names[0] == "Đăng ký khai sinh"
    assert names[1] == "Đăng ký khai sinh kết hợp nhận cha, mẹ, con"
    assert (await _names("khai sinh"))[0] == "Khai sinh cho trẻ bị bỏ rơi"


async def test_retired_procedures_are_left_out_of_agent_search():
    kept = await procedure(name="Đăng ký khai sinh")
    gone = await procedure(name="Đăng ký khai sinh (mẫu cũ)")
    await procedure_retire(procedure_id=gone)
    result = await procedure_search("khai sinh")
    assert [r["id"] for r in result.rows] == [kept]
    everything = await procedure_search("khai sinh", status=STATUS_ALL)
    assert {r["id"] for r in everything.rows} == {kept, gone}
    assert [r["id"] for r in (await procedure_search("", limit=10)).rows] == [kept]


async def test_wildcards_typed_by_the_user_match_nothing_special():
    await procedure(name="Đăng ký khai sinh")
    assert await _names("%") == ["Đăng ký khai sinh"]  # no words left: the browse list
    assert (await procedure_search("khai_sinh")).rows[0]["name"] == "Đăng ký khai sinh"
    assert await _names("ket%hon") == []


async def test_search_text_is_kept_up_to_date_by_the_services():
    from app.catalogue.services import procedure_edit

    pid = await procedure(name="Đăng ký tạm trú", code="1.004194")
    await procedure_edit(
        procedure_id=pid,
        values={
            "code": "1.002755",
            "name": "Gia hạn tạm trú",
            "field": "Đăng ký, quản lý cư trú",
            "authority_level": "commune",
            "service_level": "partly_online",
            "processing_days": 3,
            "fee_amount": 7000,
        },
        components=[{"name": "Tờ khai CT01", "copy_kind": "original"}],
    )
    row = await Procedure.select(Procedure.search_text).where(Procedure.id == pid).first()
    assert row["search_text"] == "gia han tam tru 1.002755 dang ky quan ly cu tru"
    assert await _names("gia han") == ["Gia hạn tạm trú"]
    assert await _names("1.004194") == []


async def test_long_result_lists_are_cut_and_say_so():
    for i in range(5):
        await procedure(name=f"Chứng thực bản sao {i}")
    result = await procedure_search("chung thuc", limit=3)
    assert len(result.rows) == 3 and result.total == 5 and result.truncated
