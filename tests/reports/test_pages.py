"""The dashboard, the printable report and the point picker through the real app: what a
supervisor, a point manager and an agent see, on the network of tests/reports/support.py."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from app.audit.tables import AuditEvent
from app.dossiers.tables import Dossier
from tests import factories
from tests.reports.support import build_network, figure_rows, vn

Q3 = {"loai": "quy", "quy": "2025-Q3"}
URL = "/giam-sat/tong-quan"


def _url(path: str = URL, **params) -> str:
    return f"{path}?{urlencode({**Q3, **params}, doseq=True)}"


def _figure(page, table_id: str, row_label: str, figure: str) -> str:
    """The text of one cell: the row whose header starts with `row_label`, the column whose
    `<col data-figure>` is `figure`."""
    table = page.by_id(table_id)
    assert table is not None, f"no table #{table_id}"
    for label, cells in figure_rows(table).items():
        if label.startswith(row_label) and figure in cells:
            return cells[figure]
    raise AssertionError(f"no {figure} for {row_label} in #{table_id}")


async def _sign_in(client, role: str, **kw) -> None:
    username = f"p.{role}.{factories._seq.__next__()}"
    await factories.user(role=role, username=username, **kw)
    await client.login(username)


async def test_supervisor_sees_the_quarter_by_district_and_point(client):
    await build_network()
    await _sign_in(client, "supervisor")
    page = await client.page(_url())
    assert page.title.startswith("Tổng quan giám sát")
    text = page.text
    assert "Quý III/2025" in text and "01/07/2025 đến 30/09/2025" in text
    key = page.by_id("report-figures")
    assert key is not None
    figures = {
        el.get("data-figure"): "".join(el.itertext()).strip()
        for el in page.doc.iter("dd")
        if el.get("data-figure")
    }
    assert figures["received"] == "10"
    assert figures["online_share"] == "80,0%"
    assert figures["resolved"] == "7"
    assert figures["in_progress"] == "5"
    assert figures["average_working_days"] == "2,1"
    assert figures["satisfaction_rate"] == "75,0%"
    assert figures["spot_check_score"] == "80,0"
    assert figures["consultations"] == "3"
    assert "đạt mục tiêu 80%" in text
    assert _figure(page, "table-districts", "Ba Vì", "received") == "9"
    assert _figure(page, "table-districts", "Ba Vì", "resolved_late") == "1"
    assert _figure(page, "table-districts", "Sóc Sơn", "carried_over") == "1"
    assert _figure(page, "table-districts", "Tổng cộng", "in_progress_overdue") == "3"
    assert _figure(page, "table-points", "DL-R-P1", "average_working_days") == "2,5"
    assert _figure(page, "table-points", "DL-R-P2", "online_share") == "50,0%"
    assert _figure(page, "table-quality", "DL-R-P1", "satisfaction_rate") == "66,7%"
    assert _figure(page, "table-quality", "DL-R-P3", "spot_check_score") == "–"
    # The overdue list loads when scrolled to (htmx), or opens as a page without JavaScript.
    assert page.by_id("qua-han") is not None and "H26.99-F1" not in text
    lazy = page.doc.find(".//div[@class='overdue-lazy']")
    assert lazy is not None and lazy.get("hx-trigger") == "revealed"
    overdue_url = lazy.get("hx-get")
    assert overdue_url.startswith(URL + "/qua-han?") and "Xem 3 hồ sơ quá hạn" in text
    swapped = await client.page(overdue_url, htmx=True)
    assert "<html" not in swapped.text
    assert "H26.99-F1" in swapped.text and "H26.99-D8" in swapped.text
    alone = await client.page(overdue_url)
    assert alone.title.startswith("Hồ sơ quá hạn") and "H26.99-F1" in alone.text
    svgs = [el for el in page.doc.iter() if str(el.tag).endswith("svg")]
    assert len(svgs) == 3
    for svg in svgs:  # each chart has a title and a description for screen readers
        assert [str(c.tag).rpartition("}")[2] for c in svg][:2] == ["title", "desc"]
        assert svg.get("role") == "img" and svg.get("aria-labelledby")
    assert "Mục tiêu 80%" in text


async def test_htmx_swaps_only_the_figures(client):
    await build_network()
    await _sign_in(client, "supervisor")
    page = await client.page(
        _url(huyen="Sóc Sơn"), htmx=True, headers={"HX-Target": "report-figures"}
    )
    assert page.doc.find(".//form") is None  # the filters stay as they are on the page
    assert "Quận, huyện: Sóc Sơn" in page.text
    assert _figure(page, "table-points", "DL-R-P3", "received") == "1"
    assert "DL-R-P1" not in page.text
    assert page.headers["vary"].startswith("HX-Request")


async def test_without_a_period_the_current_quarter_is_shown(client):
    await build_network()
    await _sign_in(client, "admin")
    page = await client.page(URL)
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    quarter = (today.month - 1) // 3 + 1
    assert f"/{today.year}" in page.text
    assert page.by_id("f-quy").find(f".//option[@value='{today.year}-Q{quarter}']") is not None
    assert "Thời kỳ vẫn đang diễn ra" in page.text


async def test_month_and_date_range_periods(client):
    await build_network()
    await _sign_in(client, "supervisor")
    page = await client.page(f"{URL}?loai=thang&thang=2025-09")
    assert "Tháng 9/2025" in page.text
    assert _figure(page, "table-districts", "Tổng cộng", "received") == "5"
    page = await client.page(f"{URL}?loai=quy&quy=2021-Q2")  # older than the list offers
    selected = page.by_id("f-quy").find(".//option[@selected]")
    assert selected is not None and selected.get("value") == "2021-Q2"
    page = await client.page(f"{URL}?loai=khoang&tu=01/07/2025&den=2025-07-31")
    assert "01/07/2025 đến 31/07/2025" in page.text
    assert _figure(page, "table-districts", "Tổng cộng", "received") == "3"


async def test_bad_periods_are_explained_and_keep_what_was_typed(client):
    await build_network()
    await _sign_in(client, "supervisor")
    cases = [
        ({"loai": "thang", "thang": "13/2025"}, "Nhập tháng theo dạng"),
        ({"loai": "khoang", "tu": "2025-09-30", "den": "2025-07-01"}, "Ngày kết thúc"),
        ({"loai": "khoang", "tu": "hôm qua", "den": ""}, "Nhập ngày theo dạng"),
        ({"loai": "quy", "quy": "2025-Q5"}, "Chọn một quý"),
        ({"loai": "quy", "quy": "2099-Q1"}, "chưa bắt đầu"),
        ({"huyen": "Hoàn Kiếm"}, "Chọn quận, huyện trong danh sách"),
        ({"giai_doan": "7"}, "Chọn giai đoạn"),
        ({"diem": "abc"}, "không tồn tại"),
        ({"diem": "987654"}, "không tồn tại"),
    ]
    for params, message in cases:
        page = await client.page(f"{URL}?{urlencode(params)}", status=422)
        assert message in page.text, params
        assert page.by_id("report-figures").find(".//table") is None
        for name, value in params.items():
            field = page.by_id(f"f-{name}")
            if field is not None and field.tag == "input":
                assert field.get("value") == value
        swapped = await client.page(
            f"{URL}?{urlencode(params)}", htmx=True, headers={"HX-Target": "report-figures"}
        )
        assert message in swapped.text


async def test_printable_report_lists_every_point_and_is_audited(client):
    await build_network()
    await _sign_in(client, "supervisor")
    before = await AuditEvent.count()
    page = await client.page(_url(URL + "/in"))
    assert page.headers["cache-control"] == "no-store"
    assert "Quý III/2025" in page.text
    assert _figure(page, "print-points", "DL-R-P2", "resolved_early") == "1"
    assert _figure(page, "print-districts", "Tổng cộng", "received_total") == "13"
    assert _figure(page, "print-quality-districts", "Ba Vì", "checks") == "3"
    assert "Cách tính các số liệu" in page.text
    events = await AuditEvent.select().where(AuditEvent.seq > before)
    assert [e["action"] for e in events] == ["report_printed"]
    assert events[0]["object_id"] == "2025-Q3"


async def test_definitions_load_when_the_footnotes_open(client):
    """The dashboard carries a link, not the definitions; opening the footnotes swaps them in
    (htmx), and the link alone opens them as a page."""
    from app.reports.figures import DEFINITIONS
    from app.web.i18n import translator

    await build_network()
    await _sign_in(client, "supervisor")
    page = await client.page(_url())
    footnotes = page.doc.find(".//details")
    assert footnotes is not None and footnotes.get("hx-trigger") == "toggle once"
    assert footnotes.get("hx-get") == URL + "/cach-tinh"
    assert "Xem cách tính từng số liệu" in page.text
    first_term = translator("vi").gettext(DEFINITIONS[0][1])[:40]
    assert first_term not in "".join(footnotes.itertext())
    swapped = await client.page(URL + "/cach-tinh", htmx=True)
    assert swapped.doc.find(".//dl") is not None and "<html" not in swapped.text
    assert first_term in swapped.text
    whole = await client.page(URL + "/cach-tinh")
    assert whole.title.startswith("Cách tính các số liệu")
    assert first_term in whole.text and "Quay lại trang tổng quan" in whole.text


async def test_point_manager_sees_only_their_organisations_points(client):
    net = await build_network()
    await _sign_in(client, "point_manager", organisation_id=net.org_a)
    page = await client.page(_url())
    assert "DL-R-P1" in page.text and "DL-R-P3" in page.text
    assert "DL-R-P2" not in page.text
    assert _figure(page, "table-districts", "Tổng cộng", "received") == "8"
    page = await client.page(_url(diem=str(net.p2)), status=422)  # not theirs: as if unknown
    assert "DL-R-P2" not in page.text
    picker = await client.page(URL + "/chon-diem")
    assert "DL-R-P1" in picker.text and "DL-R-P2" not in picker.text


async def test_chosen_points_and_phase_one_evaluation(client):
    from app.points.tables import AgentPoint

    net = await build_network()
    await AgentPoint.update({AgentPoint.phase: 2}).where(AgentPoint.id == net.p3)
    await _sign_in(client, "supervisor")
    page = await client.page(_url(diem=[str(net.p1), str(net.p3)]))
    assert "Các điểm được chọn" in page.text
    assert _figure(page, "table-districts", "Tổng cộng", "received") == "8"
    hidden = [i.get("value") for i in page.select_all("input", type="hidden", name="diem")]
    assert hidden == [str(net.p1), str(net.p3)]
    page = await client.page(_url(giai_doan="1"))
    assert _figure(page, "table-districts", "Tổng cộng", "received") == "9"  # P1 and P2
    link = [a for a in page.doc.iter("a") if a.get("href", "").startswith(URL + "?loai=khoang")]
    assert link and "giai_doan=1" in link[0].get("href")
    picker = await client.page(f"{URL}/chon-diem?{urlencode({**Q3, 'diem': net.p1})}")
    boxes = picker.select_all("input", type="checkbox")
    assert [b.get("value") for b in boxes if b.get("checked") is not None] == [str(net.p1)]


async def test_agents_are_refused_and_strangers_sent_to_sign_in(client):
    await _sign_in(client, "agent")
    for path in (URL, URL + "/bao-cao.xlsx", URL + "/in", URL + "/chon-diem"):
        response = await client.get(path)
        assert response.status_code == 403, path
    client.cookies.clear()
    response = await client.get(URL)
    assert response.status_code == 303 and response.headers["location"].startswith("/dang-nhap")


async def test_a_network_of_500_points_fits_the_first_load_budget(client):
    """The whole network on a tablet's first visit: 500 points in 30 districts (so 30 rows in
    every table and chart) and a full overdue list, with every file the page makes the
    browser fetch, measured as tests/web/test_page_budget.py does (≤ 40 KB on the wire)."""
    from app.points.tables import AgentPoint
    from app.reports.selectors import OVERDUE_LIST_LIMIT
    from tests.web.test_page_budget import BUDGET, _first_load

    org = await factories.organisation()
    await AgentPoint.insert(
        *(
            AgentPoint(
                code=f"DL-N-{n:03d}",
                name=f"Điểm Bưu điện Xã Thử Nghiệm {n}",
                organisation=org,
                district=f"Huyện Thử Nghiệm {n % 30:02d}",
                status="active",
            )
            for n in range(500)
        )
    )
    point = (await AgentPoint.select(AgentPoint.id).first())["id"]
    agent = await factories.user(role="agent", point_id=point)
    procedure = await factories.procedure(name="Cấp giấy chứng nhận quyền sử dụng đất lần đầu")
    for n in range(OVERDUE_LIST_LIMIT + 2):
        dossier_id = await factories.dossier(agent_id=agent, procedure_id=procedure)
        await Dossier.update(
            {
                Dossier.received_at: vn(2025, 8, 1 + n % 28),
                Dossier.due_date: dt.date(2025, 8, 10 + n % 20),
                Dossier.portal_code: f"000.00.31.H26-2508{n:02d}-{n:04d}",
            }
        ).where(Dossier.id == dossier_id)
    await _sign_in(client, "supervisor")
    page = await client.page(_url())
    assert "Huyện Thử Nghiệm 29" in page.text
    listed = await client.page(_url(URL + "/qua-han"), htmx=True)
    overdue = [ul for ul in listed.doc.iter("ul") if "overdue-list" in (ul.get("class") or "")]
    assert len(overdue[0].findall("li")) == OVERDUE_LIST_LIMIT
    total, assets = await _first_load(client, _url())
    assert any("/css/reports." in a for a in assets)
    assert total <= BUDGET, (total, assets)


async def test_the_supervision_menu_links_to_the_dashboard(client):
    await _sign_in(client, "supervisor")
    page = await client.page("/giam-sat")
    assert [a for a in page.select_all("a", href="/giam-sat/tong-quan")]
