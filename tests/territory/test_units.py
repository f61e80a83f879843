"""Hanoi's administrative units as dated data: the seed and the selectors."""

from __future__ import annotations

import datetime as dt

import pytest

from app.territory import selectors
from app.territory.hanoi_units import COMMUNES_2025, DISTRICTS
from app.territory.seed import territory_seed
from app.territory.selectors import (
    district_choices,
    is_valid_unit,
    unit_name,
    unit_names,
    units_valid_on,
    vietnamese_sort_key,
)
from app.territory.tables import AdminUnit, UnitKind

D = dt.date
LAST_DISTRICT_DAY = D(2025, 6, 30)
FIRST_COMMUNE_DAY = D(2025, 7, 1)
OUTER_DISTRICTS = {
    "Sóc Sơn", "Đông Anh", "Gia Lâm", "Mê Linh", "Thanh Trì", "Ba Vì", "Phúc Thọ", "Đan Phượng",
    "Hoài Đức", "Quốc Oai", "Thạch Thất", "Chương Mỹ", "Thanh Oai", "Thường Tín", "Phú Xuyên",
    "Ứng Hòa", "Mỹ Đức", "Sơn Tây",
}  # fmt: skip


@pytest.fixture
async def seeded():
    assert await territory_seed() == len(DISTRICTS) + len(COMMUNES_2025)


# --- the data ------------------------------------------------------------------------------


def test_thirty_districts_of_three_kinds():
    kinds = [d.kind for d in DISTRICTS]
    assert len(DISTRICTS) == 30
    assert kinds.count(UnitKind.urban_district) == 12
    assert kinds.count(UnitKind.rural_district) == 17
    assert kinds.count(UnitKind.town) == 1
    assert all(len(d.code) == 3 and d.code.isdigit() for d in DISTRICTS)
    prefixes = {UnitKind.urban_district: "Quận ", UnitKind.rural_district: "Huyện ",
                UnitKind.town: "Thị xã "}  # fmt: skip
    assert all(d.name.startswith(prefixes[d.kind]) for d in DISTRICTS)


def test_the_outer_districts_are_the_eighteen_of_the_facts():
    outer = {selectors.short_name(d.name) for d in DISTRICTS if d.is_outer}
    assert outer == OUTER_DISTRICTS


def test_126_new_units_51_wards_and_75_communes():
    kinds = [u.kind for u in COMMUNES_2025]
    assert len(COMMUNES_2025) == 126
    assert kinds.count(UnitKind.ward) == 51
    assert kinds.count(UnitKind.commune) == 75
    for unit in COMMUNES_2025:
        assert len(unit.code) == 5 and unit.code.isdigit(), unit
        assert unit.name.startswith("Phường " if unit.kind == UnitKind.ward else "Xã "), unit
        if unit.kind == UnitKind.commune:
            assert unit.is_outer, unit
    outer_wards = {u.name for u in COMMUNES_2025 if u.kind == UnitKind.ward and u.is_outer}
    assert outer_wards == {"Phường Sơn Tây", "Phường Tùng Thiện", "Phường Chương Mỹ"}


def test_codes_and_names_are_unique():
    units = DISTRICTS + COMMUNES_2025
    assert len({u.code for u in units}) == len(units)
    assert len({u.name for u in COMMUNES_2025}) == 126
    by_name = {u.name: u.code for u in COMMUNES_2025}
    assert by_name["Phường Hoàn Kiếm"] == "00070"
    assert by_name["Phường Ba Đình"] == "00004"
    assert by_name["Xã Ba Vì"] == "09700"
    assert by_name["Xã Hương Sơn"] == "10489"


# --- the seed ------------------------------------------------------------------------------


async def test_the_seed_is_idempotent_and_repairs_drift(seeded):
    assert await territory_seed() == 0
    assert await AdminUnit.count() == 156
    await AdminUnit.update({AdminUnit.name: "Sai tên", AdminUnit.is_outer: False}).where(
        AdminUnit.code == "271"
    )
    await AdminUnit.delete().where(AdminUnit.code == "00070")
    assert await territory_seed() == 1
    row = await AdminUnit.select().where(AdminUnit.code == "271").first()
    assert row["name"] == "Huyện Ba Vì" and row["is_outer"] is True
    assert row["valid_to"] == LAST_DISTRICT_DAY and row["valid_from"] is None
    assert await unit_name("00070") == "Phường Hoàn Kiếm"


# --- selectors -------------------------------------------------------------------------------


async def test_district_choices_change_on_1_july_2025(seeded):
    before = await district_choices(LAST_DISTRICT_DAY)
    after = await district_choices(FIRST_COMMUNE_DAY)
    assert len(before) == 30
    assert {r["kind"] for r in before} == {"urban_district", "rural_district", "town"}
    assert len(after) == 126
    assert {r["kind"] for r in after} == {"ward", "commune"}
    assert len(await district_choices(D(2020, 1, 1))) == 30
    assert len(await district_choices(D(2030, 1, 1))) == 126


async def test_choices_are_grouped_by_kind_and_sorted_the_vietnamese_way(seeded):
    after = await district_choices(FIRST_COMMUNE_DAY)
    wards = [r["name"] for r in after if r["kind"] == "ward"]
    communes = [r["name"] for r in after if r["kind"] == "commune"]
    assert [r["kind"] for r in after] == ["ward"] * 51 + ["commune"] * 75
    assert wards[0] == "Phường Ba Đình"  # "Ba" before "Bạch Mai" before "Bồ Đề"
    assert wards[:3] == ["Phường Ba Đình", "Phường Bạch Mai", "Phường Bồ Đề"]
    assert communes[0] == "Xã An Khánh"
    assert communes[-1] == "Xã Yên Xuân"
    # Đ comes after D; Ô and Ơ after O; Ứ (U with horn) after U
    assert communes.index("Xã Dương Hòa") < communes.index("Xã Đa Phúc")
    assert communes.index("Xã Ô Diên") > communes.index("Xã Nội Bài")
    before = await district_choices(LAST_DISTRICT_DAY)
    assert before[0]["name"] == "Quận Ba Đình"
    assert [r["kind"] for r in before][12] == "town"


def test_vietnamese_sort_key():
    names = ["Ứng Hòa", "Uy Nỗ", "Đông Anh", "Dương Nội", "Ba Vì", "Bà Triệu", "Bạch Mai",
             "Ăn", "An Khánh", "Âu", "Ô Diên", "Ơn", "Oai"]  # fmt: skip
    assert sorted(names, key=vietnamese_sort_key) == [
        "An Khánh", "Ăn", "Âu", "Ba Vì", "Bà Triệu", "Bạch Mai", "Dương Nội", "Đông Anh",
        "Oai", "Ô Diên", "Ơn", "Uy Nỗ", "Ứng Hòa",
    ]  # fmt: skip


async def test_units_valid_on_filters_by_day_kind_and_parent(seeded):
    assert len(await units_valid_on(LAST_DISTRICT_DAY)) == 30
    assert len(await units_valid_on(FIRST_COMMUNE_DAY)) == 126
    assert len(await units_valid_on(FIRST_COMMUNE_DAY, kind="ward")) == 51
    assert len(await units_valid_on(FIRST_COMMUNE_DAY, kind=UnitKind.commune)) == 75
    assert len(await units_valid_on(LAST_DISTRICT_DAY, kind=["urban_district", "town"])) == 13
    assert await units_valid_on(LAST_DISTRICT_DAY, kind="ward") == []
    with pytest.raises(ValueError):
        await units_valid_on(LAST_DISTRICT_DAY, kind="province")
    # a unit under a district (the schema allows a hierarchy) is found by its parent's code
    ba_vi = (await AdminUnit.select(AdminUnit.id).where(AdminUnit.code == "271").first())["id"]
    await AdminUnit.insert(
        AdminUnit(
            code="09700X",
            name="Xã Tây Đằng (thử)",
            kind="commune",
            parent=ba_vi,
            valid_to=LAST_DISTRICT_DAY,
        )  # fmt: skip
    )
    under = await units_valid_on(LAST_DISTRICT_DAY, parent="271")
    assert [r["code"] for r in under] == ["09700X"]
    assert await units_valid_on(LAST_DISTRICT_DAY, parent="272") == []
    assert len(await district_choices(LAST_DISTRICT_DAY)) == 30  # children are not offered


async def test_unit_names_and_validity(seeded):
    assert await unit_name("001") == "Quận Ba Đình"  # old units keep their name
    assert await unit_name("09700") == "Xã Ba Vì"
    assert await unit_name("99999") is None
    assert await unit_names(["001", "09700", "", "99999"]) == {
        "001": "Quận Ba Đình",
        "09700": "Xã Ba Vì",
    }
    assert await unit_names([]) == {}
    assert await is_valid_unit("271", LAST_DISTRICT_DAY)
    assert not await is_valid_unit("271", FIRST_COMMUNE_DAY)
    assert not await is_valid_unit("09700", LAST_DISTRICT_DAY)
    assert await is_valid_unit("09700", FIRST_COMMUNE_DAY)
    assert not await is_valid_unit("99999", FIRST_COMMUNE_DAY)
    assert not await is_valid_unit("", FIRST_COMMUNE_DAY)


async def test_outer_flags_survive_the_round_trip(seeded):
    rows = await units_valid_on(LAST_DISTRICT_DAY)
    assert sum(r["is_outer"] for r in rows) == 18
    rows = await units_valid_on(FIRST_COMMUNE_DAY)
    assert sum(r["is_outer"] for r in rows) == 78
