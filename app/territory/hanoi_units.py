"""Hanoi's administrative units as dated data (seeded by app/territory/seed.py).

Until 30 Jun 2025 Hanoi had 30 district-level units: 12 urban districts (quận), the town of
Sơn Tây (thị xã) and 17 rural districts (huyện), with 579 communes and wards below them (not
kept here). Resolution 1656/NQ-UBTVQH15 of 16 Jun 2025 abolished the district level from
1 Jul 2025 and rearranged the communes into 126 units directly under the city: 51 wards
(phường) and 75 communes (xã).

Codes are the national statistical codes of Decision 124/2004/QĐ-TTg and its updates: three
digits for districts, five for communes and wards (the codes of the new units, announced in
the General Statistics Office's letter 1027/CTK-CSCL of 25 Jun 2025, reuse the code of one of
their predecessor communes). District codes (3 digits) and commune codes (5 digits) cannot
collide. Names and codes of the new units were cross-checked between two independent public
datasets; all 126 agree.

`is_outer` (ngoại thành): for districts, the 18 outer districts named in the domain facts.
For the new units, which straddle old boundaries: every commune (xã), and the wards formed
wholly from former outer districts (Sơn Tây and Tùng Thiện from the town of Sơn Tây, Chương
Mỹ from Chương Mỹ district). Wards that took in a part of an outer district (e.g. Thanh Liệt,
partly from Thanh Trì) are counted as inner.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from app.territory.tables import UnitKind


class UnitSeed(NamedTuple):
    code: str
    name: str
    kind: UnitKind
    is_outer: bool


DISTRICTS_VALID_TO = dt.date(2025, 6, 30)  # last day of the district level
COMMUNES_VALID_FROM = dt.date(2025, 7, 1)  # Resolution 1656/NQ-UBTVQH15 takes effect

U, R, T = UnitKind.urban_district, UnitKind.rural_district, UnitKind.town
W, C = UnitKind.ward, UnitKind.commune

DISTRICTS: tuple[UnitSeed, ...] = tuple(
    UnitSeed(*row)
    for row in (
        ("001", "Quận Ba Đình", U, False),
        ("002", "Quận Hoàn Kiếm", U, False),
        ("003", "Quận Tây Hồ", U, False),
        ("004", "Quận Long Biên", U, False),
        ("005", "Quận Cầu Giấy", U, False),
        ("006", "Quận Đống Đa", U, False),
        ("007", "Quận Hai Bà Trưng", U, False),
        ("008", "Quận Hoàng Mai", U, False),
        ("009", "Quận Thanh Xuân", U, False),
        ("016", "Huyện Sóc Sơn", R, True),
        ("017", "Huyện Đông Anh", R, True),
        ("018", "Huyện Gia Lâm", R, True),
        ("019", "Quận Nam Từ Liêm", U, False),
        ("020", "Huyện Thanh Trì", R, True),
        ("021", "Quận Bắc Từ Liêm", U, False),
        ("250", "Huyện Mê Linh", R, True),
        ("268", "Quận Hà Đông", U, False),
        ("269", "Thị xã Sơn Tây", T, True),
        ("271", "Huyện Ba Vì", R, True),
        ("272", "Huyện Phúc Thọ", R, True),
        ("273", "Huyện Đan Phượng", R, True),
        ("274", "Huyện Hoài Đức", R, True),
        ("275", "Huyện Quốc Oai", R, True),
        ("276", "Huyện Thạch Thất", R, True),
        ("277", "Huyện Chương Mỹ", R, True),
        ("278", "Huyện Thanh Oai", R, True),
        ("279", "Huyện Thường Tín", R, True),
        ("280", "Huyện Phú Xuyên", R, True),
        ("281", "Huyện Ứng Hòa", R, True),
        ("282", "Huyện Mỹ Đức", R, True),
    )
)

COMMUNES_2025: tuple[UnitSeed, ...] = tuple(
    UnitSeed(*row)
    for row in (
        ("00004", "Phường Ba Đình", W, False),
        ("00008", "Phường Ngọc Hà", W, False),
        ("00025", "Phường Giảng Võ", W, False),
        ("00070", "Phường Hoàn Kiếm", W, False),
        ("00082", "Phường Cửa Nam", W, False),
        ("00091", "Phường Phú Thượng", W, False),
        ("00097", "Phường Hồng Hà", W, False),
        ("00103", "Phường Tây Hồ", W, False),
        ("00118", "Phường Bồ Đề", W, False),
        ("00127", "Phường Việt Hưng", W, False),
        ("00136", "Phường Phúc Lợi", W, False),
        ("00145", "Phường Long Biên", W, False),
        ("00160", "Phường Nghĩa Đô", W, False),
        ("00166", "Phường Cầu Giấy", W, False),
        ("00175", "Phường Yên Hòa", W, False),
        ("00190", "Phường Ô Chợ Dừa", W, False),
        ("00199", "Phường Láng", W, False),
        ("00226", "Phường Văn Miếu - Quốc Tử Giám", W, False),
        ("00229", "Phường Kim Liên", W, False),
        ("00235", "Phường Đống Đa", W, False),
        ("00256", "Phường Hai Bà Trưng", W, False),
        ("00283", "Phường Vĩnh Tuy", W, False),
        ("00292", "Phường Bạch Mai", W, False),
        ("00301", "Phường Vĩnh Hưng", W, False),
        ("00316", "Phường Định Công", W, False),
        ("00322", "Phường Tương Mai", W, False),
        ("00328", "Phường Lĩnh Nam", W, False),
        ("00331", "Phường Hoàng Mai", W, False),
        ("00337", "Phường Hoàng Liệt", W, False),
        ("00340", "Phường Yên Sở", W, False),
        ("00352", "Phường Phương Liệt", W, False),
        ("00364", "Phường Khương Đình", W, False),
        ("00367", "Phường Thanh Xuân", W, False),
        ("00592", "Phường Từ Liêm", W, False),
        ("00598", "Phường Thượng Cát", W, False),
        ("00602", "Phường Đông Ngạc", W, False),
        ("00611", "Phường Xuân Đỉnh", W, False),
        ("00613", "Phường Tây Tựu", W, False),
        ("00619", "Phường Phú Diễn", W, False),
        ("00622", "Phường Xuân Phương", W, False),
        ("00634", "Phường Tây Mỗ", W, False),
        ("00637", "Phường Đại Mỗ", W, False),
        ("00643", "Phường Thanh Liệt", W, False),
        ("09552", "Phường Kiến Hưng", W, False),
        ("09556", "Phường Hà Đông", W, False),
        ("09562", "Phường Yên Nghĩa", W, False),
        ("09568", "Phường Phú Lương", W, False),
        ("09574", "Phường Sơn Tây", W, True),
        ("09604", "Phường Tùng Thiện", W, True),
        ("09886", "Phường Dương Nội", W, False),
        ("10015", "Phường Chương Mỹ", W, True),
        ("00376", "Xã Sóc Sơn", C, True),
        ("00382", "Xã Kim Anh", C, True),
        ("00385", "Xã Trung Giã", C, True),
        ("00430", "Xã Đa Phúc", C, True),
        ("00433", "Xã Nội Bài", C, True),
        ("00454", "Xã Đông Anh", C, True),
        ("00466", "Xã Phúc Thịnh", C, True),
        ("00475", "Xã Thư Lâm", C, True),
        ("00493", "Xã Thiên Lộc", C, True),
        ("00508", "Xã Vĩnh Thanh", C, True),
        ("00541", "Xã Phù Đổng", C, True),
        ("00562", "Xã Thuận An", C, True),
        ("00565", "Xã Gia Lâm", C, True),
        ("00577", "Xã Bát Tràng", C, True),
        ("00640", "Xã Thanh Trì", C, True),
        ("00664", "Xã Đại Thanh", C, True),
        ("00679", "Xã Ngọc Hồi", C, True),
        ("00685", "Xã Nam Phù", C, True),
        ("04930", "Xã Yên Xuân", C, True),
        ("08974", "Xã Quang Minh", C, True),
        ("08980", "Xã Yên Lãng", C, True),
        ("08995", "Xã Tiến Thắng", C, True),
        ("09022", "Xã Mê Linh", C, True),
        ("09616", "Xã Đoài Phương", C, True),
        ("09619", "Xã Quảng Oai", C, True),
        ("09634", "Xã Cổ Đô", C, True),
        ("09661", "Xã Minh Châu", C, True),
        ("09664", "Xã Vật Lại", C, True),
        ("09676", "Xã Bất Bạt", C, True),
        ("09694", "Xã Suối Hai", C, True),
        ("09700", "Xã Ba Vì", C, True),
        ("09706", "Xã Yên Bài", C, True),
        ("09715", "Xã Phúc Thọ", C, True),
        ("09739", "Xã Phúc Lộc", C, True),
        ("09772", "Xã Hát Môn", C, True),
        ("09784", "Xã Đan Phượng", C, True),
        ("09787", "Xã Liên Minh", C, True),
        ("09817", "Xã Ô Diên", C, True),
        ("09832", "Xã Hoài Đức", C, True),
        ("09856", "Xã Dương Hòa", C, True),
        ("09871", "Xã Sơn Đồng", C, True),
        ("09877", "Xã An Khánh", C, True),
        ("09895", "Xã Quốc Oai", C, True),
        ("09910", "Xã Kiều Phú", C, True),
        ("09931", "Xã Hưng Đạo", C, True),
        ("09952", "Xã Phú Cát", C, True),
        ("09955", "Xã Thạch Thất", C, True),
        ("09982", "Xã Hạ Bằng", C, True),
        ("09988", "Xã Hòa Lạc", C, True),
        ("10003", "Xã Tây Phương", C, True),
        ("10030", "Xã Phú Nghĩa", C, True),
        ("10045", "Xã Xuân Mai", C, True),
        ("10072", "Xã Quảng Bị", C, True),
        ("10081", "Xã Trần Phú", C, True),
        ("10096", "Xã Hòa Phú", C, True),
        ("10114", "Xã Thanh Oai", C, True),
        ("10126", "Xã Bình Minh", C, True),
        ("10144", "Xã Tam Hưng", C, True),
        ("10180", "Xã Dân Hòa", C, True),
        ("10183", "Xã Thường Tín", C, True),
        ("10210", "Xã Hồng Vân", C, True),
        ("10231", "Xã Thượng Phúc", C, True),
        ("10237", "Xã Chương Dương", C, True),
        ("10273", "Xã Phú Xuyên", C, True),
        ("10279", "Xã Phượng Dực", C, True),
        ("10330", "Xã Chuyên Mỹ", C, True),
        ("10342", "Xã Đại Xuyên", C, True),
        ("10354", "Xã Vân Đình", C, True),
        ("10369", "Xã Ứng Thiên", C, True),
        ("10402", "Xã Ứng Hòa", C, True),
        ("10417", "Xã Hòa Xá", C, True),
        ("10441", "Xã Mỹ Đức", C, True),
        ("10459", "Xã Phúc Sơn", C, True),
        ("10465", "Xã Hồng Sơn", C, True),
        ("10489", "Xã Hương Sơn", C, True),
    )
)
