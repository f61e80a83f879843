"""The public point finder: active points only, by district, nearest first, light and
without inline script."""

from __future__ import annotations

import re

from app.points import finder
from tests import factories

HOAN_KIEM = (21.0285, 105.8542)
POINTS = [
    # (code, name, district, code, status, latitude, longitude)
    ("DL-BV-001", "Điểm Bưu điện Ba Vì", "Ba Vì", "271", "active", 21.2003, 105.4236),
    ("DL-SS-001", "Điểm Bưu điện Sóc Sơn", "Sóc Sơn", "016", "active", 21.2578, 105.8486),
    ("DL-GL-001", "Điểm Bưu điện Gia Lâm", "Gia Lâm", "018", "active", 21.0180, 105.9390),
    ("DL-GL-002", "Điểm Gia Lâm chưa có tọa độ", "Gia Lâm", "018", "active", None, None),
    ("DL-GL-003", "Điểm Gia Lâm đang đề xuất", "Gia Lâm", "018", "proposed", 21.02, 105.94),
    ("DL-ML-001", "Điểm Mê Linh tạm dừng", "Mê Linh", "250", "suspended", 21.18, 105.77),
]


async def _points() -> None:
    org = await factories.organisation()
    for code, name, district, district_code, status, lat, lng in POINTS:
        await factories.point(
            organisation_id=org,
            code=code,
            name=name,
            district=district,
            district_code=district_code,
            status=status,
            latitude=lat,
            longitude=lng,
        )


def _names(page) -> list[str]:
    return [_text(li.find("p")) for li in page.doc.iter("li") if "list-item" in li.get("class", "")]


def _text(node) -> str:
    return " ".join("".join(node.itertext()).split()) if node is not None else ""


async def test_only_active_points_are_shown_and_a_district_filters_them(client):
    await _points()
    page = await client.page("/diem-dai-ly")
    names = _names(page)
    assert set(names) == {
        "Điểm Bưu điện Ba Vì",
        "Điểm Bưu điện Sóc Sơn",
        "Điểm Bưu điện Gia Lâm",
        "Điểm Gia Lâm chưa có tọa độ",
    }
    options = {o.get("value"): _text(o) for o in page.select_all("option")}
    assert options["018"] == "Gia Lâm (2)" and "250" not in options  # no active point there

    page = await client.page("/diem-dai-ly?quan=018")
    assert set(_names(page)) == {"Điểm Bưu điện Gia Lâm", "Điểm Gia Lâm chưa có tọa độ"}
    assert page.select_all("option", value="018")[0].get("selected") is not None
    empty = await client.page("/diem-dai-ly?quan=250")
    assert "Chưa có điểm đại lý nào hoạt động ở quận, huyện này." in empty.text


async def test_nearest_first_with_distances_and_map_links(client):
    await _points()
    lat, lng = HOAN_KIEM
    page = await client.page(f"/diem-dai-ly?lat={lat}&lng={lng}")
    assert _names(page) == [
        "Điểm Bưu điện Gia Lâm",  # ~8.9 km
        "Điểm Bưu điện Sóc Sơn",  # ~25 km
        "Điểm Bưu điện Ba Vì",  # ~48 km
        "Điểm Gia Lâm chưa có tọa độ",  # no coordinates: last, without a distance
    ]
    distances = re.findall(r"Cách khoảng ([0-9.,]+) km", page.text)
    assert len(distances) == 3
    assert [float(d.replace(".", "").replace(",", ".")) for d in distances] == sorted(
        float(d.replace(".", "").replace(",", ".")) for d in distances
    )
    assert 8.5 < float(distances[0].replace(",", ".")) < 9.5
    hrefs = {a.get("href") for a in page.select_all("a")}
    assert (
        "https://www.openstreetmap.org/?mlat=21.018000&mlon=105.939000#map=17/21.018000/105.939000"
        in hrefs
    )
    assert "tel:02438245678" not in hrefs  # factories give no phone
    assert "Vị trí của bạn không được lưu lại" in page.text
    # The location stays in the form, so choosing a district keeps the order by distance.
    assert page.select_all("input", name="lat")[0].get("value") == str(lat)

    sorted_in_district = await client.page(f"/diem-dai-ly?quan=016&lat={lat}&lng={lng}")
    assert _names(sorted_in_district) == ["Điểm Bưu điện Sóc Sơn"]


async def test_nonsense_in_the_query_is_ignored(client):
    await _points()
    for query in ("lat=abc&lng=105", "lat=91&lng=105", "lat=21&lng=", "quan=<script>", "lat=1e3"):
        page = await client.page(f"/diem-dai-ly?{query}")
        assert len(_names(page)) == 4
        assert "Cách khoảng" not in page.text


async def test_at_most_a_page_of_points_is_listed(client):
    org = await factories.organisation()
    for n in range(finder.LIMIT + 5):
        await factories.point(organisation_id=org, code=f"DL-N-{n:03d}")
    page = await client.page("/diem-dai-ly")
    assert len(_names(page)) == finder.LIMIT
    assert f"{finder.LIMIT + 5} điểm" in page.text
    assert f"Chỉ hiện {finder.LIMIT} điểm đầu tiên" in page.text


async def test_the_page_has_no_inline_script_and_is_linked_from_home(client):
    await _points()
    page = await client.page("/diem-dai-ly")
    scripts = page.select_all("script")
    assert scripts and all(s.get("src", "").startswith("/static/") for s in scripts)
    assert not any(_text(s) for s in scripts)
    assert any("finder" in s.get("src") for s in scripts)
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.doc.find(".//*[@style]") is None
    home = await client.page("/")
    assert "/diem-dai-ly" in {a.get("href") for a in home.select_all("a")}


async def test_first_load_stays_under_40_kb(client):
    """The HTML with 30 points and every asset it links, gzip-compressed as served."""
    org = await factories.organisation()
    for n in range(finder.LIMIT):
        await factories.point(
            organisation_id=org,
            code=f"DL-W-{n:03d}",
            name=f"Điểm Bưu điện Thử Nghiệm Số {n}",
            latitude=21.0 + n / 100,
            longitude=105.5 + n / 100,
        )
    url = "/diem-dai-ly?lat=21.03&lng=105.85"
    page = await client.get(url, headers={"accept-encoding": "gzip"})
    total = len(await _raw(client, url))
    for asset in sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text))):
        total += len(await _raw(client, asset))
    assert total < 40 * 1024, total


async def _raw(client, url: str) -> bytes:
    async with client.stream("GET", url, headers={"accept-encoding": "gzip"}) as response:
        assert response.status_code == 200
        return b"".join([chunk async for chunk in response.aiter_raw()])
