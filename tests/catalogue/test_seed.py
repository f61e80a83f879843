"""The starting catalogue: enough real procedures, each with documents and a valid code."""

from __future__ import annotations

from app.catalogue.seed import PROCEDURES, catalogue_seed
from app.catalogue.selectors import procedure_search
from app.catalogue.services import CODE_RE, procedure_clean
from app.catalogue.tables import Procedure, ProcedureComponent


def test_seed_data_is_valid_and_covers_the_common_procedures():
    assert len(PROCEDURES) >= 15
    codes = [p["code"] for p in PROCEDURES]
    assert len(set(codes)) == len(codes)
    for p in PROCEDURES:
        assert CODE_RE.match(p["code"]), p["code"]
        assert p["components"], p["name"]
        procedure_clean({k: v for k, v in p.items() if k != "components"}, p["components"])
    names = " | ".join(p["name"] for p in PROCEDURES)
    for expected in (
        "Đăng ký khai sinh",
        "Đăng ký kết hôn",
        "Đăng ký khai tử",
        "Đăng ký thường trú",
        "Đăng ký tạm trú",
        "Chứng thực bản sao từ bản chính",
        "Cấp bản sao từ sổ gốc",
        "Lý lịch tư pháp",
        "Đăng ký thành lập hộ kinh doanh",
        "xác nhận tình trạng hôn nhân",
        "Trích lục hộ tịch",
        "giấy phép lái xe",
        "cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
    ):
        assert expected.lower() in names.lower(), expected


async def test_seed_loads_once_and_is_searchable():
    assert await catalogue_seed() == len(PROCEDURES)
    assert await Procedure.count() == len(PROCEDURES)
    # `ProcedureComponent.count` is a column, so Table.count() is shadowed: count rows by hand.
    components = len(await ProcedureComponent.select(ProcedureComponent.id))
    assert components >= len(PROCEDURES)
    assert await catalogue_seed() == 0  # idempotent: nothing added the second time
    assert await Procedure.count() == len(PROCEDURES)
    assert len(await ProcedureComponent.select(ProcedureComponent.id)) == components
    first = (await procedure_search("dang ky khai sinh")).rows[0]
    assert (first["code"], first["name"]) == ("1.001193", "Đăng ký khai sinh")
    assert (await procedure_search("1.004222")).rows[0]["name"] == "Đăng ký thường trú"
    assert (await procedure_search("ly lich tu phap")).rows[0]["code"] == "3.000333"
