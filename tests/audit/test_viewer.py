"""The administrators' audit log viewer: filters, keyset pages, CSV export, the integrity
check on demand, and that reading or exporting the log is itself recorded."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid

import pytest

from app.audit.services import audit_record
from app.audit.tables import AuditEvent
from app.capture.tables import DocumentPage
from app.dossiers.tables import Dossier, DossierComponent
from app.web.i18n import VN_TZ
from tests import factories

LOG = "/quan-tri/nhat-ky"


@pytest.fixture
async def trail():
    """Point A with agent daily.au and a dossier (a page, a document); a dossier elsewhere;
    and entries of several kinds about them."""
    org = await factories.organisation()
    point_a = await factories.point(organisation_id=org, code="DL-AU-001")
    agent = await factories.user(role="agent", username="daily.au", point_id=point_a)
    other = await factories.user(role="agent", username="daily.khac")
    await factories.user(role="admin", username="qt.admin")
    await factories.user(role="supervisor", username="gs.au")
    await factories.user(role="point_manager", username="ql.au", organisation_id=org)
    dossier_a = await factories.dossier(
        agent_id=agent, with_components=True, portal_code="000.00.26.H26-251123-0777"
    )
    dossier_b = await factories.dossier(agent_id=other)
    ref_a = (await Dossier.select(Dossier.reference).where(Dossier.id == dossier_a).first())[
        "reference"
    ]
    component = (
        await DossierComponent.select(DossierComponent.id)
        .where(DossierComponent.dossier == dossier_a)
        .first()
    )["id"]
    uid = str(uuid.uuid4())
    await DocumentPage(
        uid=uid,
        dossier=dossier_a,
        component=component,
        source_sha256="0" * 64,
        created_at=dt.datetime.now(dt.UTC),
    ).save()
    entries = [
        (
            "personal_data_viewed",
            agent,
            "daily.au",
            "dossier",
            str(dossier_a),
            {"fields": ["phone"]},
        ),
        ("document_page_viewed", agent, "daily.au", "document_page", uid, {"dossier": dossier_a}),
        (
            "document_pdf_downloaded",
            agent,
            "daily.au",
            "dossier_component",
            str(component),
            {"dossier": dossier_a, "pages": 2},
        ),
        ("personal_data_viewed", other, "daily.khac", "dossier", str(dossier_b), {}),
        ("login_failed", None, "", "user", "daily.au", {}),
        ("login_failed", None, "", "user", '=HYPERLINK("http://x")', {}),
    ]
    for action, actor, label, kind, ident, details in entries:
        await audit_record(
            action=action,
            actor_id=actor,
            actor_label=label,
            object_type=kind,
            object_id=ident,
            ip="203.0.113.9",
            details=details,
        )
    return {
        "dossier_a": dossier_a,
        "dossier_b": dossier_b,
        "ref_a": ref_a,
        "uid": uid,
        "component": component,
        "point_a": point_a,
    }


def _entries(page) -> list[str]:
    return [
        " ".join("".join(li.itertext()).split())
        for li in page.doc.iter("li")
        if "audit-entry" in (li.get("class") or "")
    ]


def _seqs(page) -> list[int]:
    return [int(m) for e in _entries(page) for m in re.findall(r"· #(\d+)", e)]


async def _admin(client):
    await client.login("qt.admin")


@pytest.mark.parametrize("username", ["daily.au", "ql.au", "gs.au"])
async def test_only_administrators_may_read_export_or_check(client, trail, username):
    await client.login(username)
    assert (await client.get(LOG)).status_code == 403
    assert (await client.submit(f"{LOG}/xuat", {})).status_code == 403
    assert (await client.submit(f"{LOG}/kiem-tra", {})).status_code == 403
    actions = {r["action"] for r in await AuditEvent.select(AuditEvent.action)}
    assert not actions & {"audit_log_viewed", "audit_log_exported", "audit_chain_verified"}


async def test_signed_out_visitors_are_sent_to_sign_in(client, trail):
    response = await client.get(LOG)
    assert response.status_code == 303 and response.headers["location"].startswith("/dang-nhap")


async def test_entries_newest_first_with_who_what_when_and_where(client, trail):
    await _admin(client)
    page = await client.page(LOG)
    assert page.title.startswith("Nhật ký truy cập")
    seqs = _seqs(page)
    assert seqs == sorted(seqs, reverse=True) and len(seqs) >= 11
    pdf = next(e for e in _entries(page) if e.startswith("Tải giấy tờ dạng PDF"))
    assert "daily.au (Nhân viên đại lý)" in pdf
    assert "000.00.26.H26-251123-0777" in pdf and "203.0.113.9" in pdf
    row = (
        await AuditEvent.select(AuditEvent.at)
        .where(AuditEvent.action == "document_pdf_downloaded")
        .first()
    )
    assert row["at"].astimezone(VN_TZ).strftime("%H:%M:%S %d/%m/%Y") in pdf
    links = [a.get("href") for a in page.doc.iter("a")]
    assert f"/ho-so/{trail['dossier_a']}" in links
    failed = next(e for e in _entries(page) if e.startswith("Đăng nhập không thành công"))
    assert "Không có tài khoản" in failed
    # The integrity check is not run on a page load.
    assert "nguyên vẹn" not in page.text
    assert await AuditEvent.count().where(AuditEvent.action == "audit_chain_verified") == 0


async def test_reading_the_log_is_recorded_with_its_filters(client, trail):
    await _admin(client)
    await client.page(f"{LOG}?nguoi=daily.au&hanh-dong=personal_data_viewed")
    last = await AuditEvent.select().order_by(AuditEvent.seq, ascending=False).first()
    assert last["action"] == "audit_log_viewed" and last["actor_label"] == "qt.admin"
    details = json.loads(last["details"]) if isinstance(last["details"], str) else last["details"]
    assert details["filters"] == {"actor": "daily.au", "action": "personal_data_viewed"}
    assert details["rows"] == 1


async def test_filter_by_actor_and_action(client, trail):
    await _admin(client)
    page = await client.page(f"{LOG}?nguoi=daily.au")
    entries = _entries(page)
    assert len(entries) == 3 and all("daily.au (Nhân viên đại lý)" in e for e in entries)
    page = await client.page(f"{LOG}?hanh-dong=personal_data_viewed")
    assert [e.split(" ")[0] for e in _entries(page)] == ["Xem", "Xem"]
    assert len(_entries(page)) == 2
    page = await client.page(f"{LOG}?hanh-dong=%40personal_data")
    assert len(_entries(page)) == 4  # two views, a page, a PDF (this log's export: none yet)
    page = await client.page(f"{LOG}?nguoi=ai.do")
    assert _entries(page) == [] and "Không có mục nào khớp" in page.text


async def test_filter_by_subject_dossier_point_or_account(client, trail):
    await _admin(client)
    for code in (trail["ref_a"], "000.00.26.h26-251123-0777"):
        page = await client.page(f"{LOG}?doi-tuong={code}")
        titles = sorted(e.split(" 1")[0][:20] for e in _entries(page))
        assert len(titles) == 3, _entries(page)  # the dossier, its page, its document
    page = await client.page(f"{LOG}?doi-tuong=DL-AU-001")
    assert len(_entries(page)) == 1  # the personal data view of the point's dossier
    page = await client.page(f"{LOG}?doi-tuong=daily.au&hanh-dong=login_failed")
    assert len(_entries(page)) == 1
    page = await client.page(f"{LOG}?doi-tuong=KHONG-CO-MA", status=422)
    assert "Không có hồ sơ, điểm đại lý hay tài khoản nào có mã này" in page.text


async def test_filter_by_dates_in_hanoi_time(client, trail):
    await _admin(client)
    today = dt.datetime.now(VN_TZ).date()
    page = await client.page(f"{LOG}?tu-ngay={today}&den-ngay={today}")
    assert len(_entries(page)) >= 11
    tomorrow = today + dt.timedelta(days=1)
    page = await client.page(f"{LOG}?tu-ngay={tomorrow}")
    assert _entries(page) == []
    page = await client.page(f"{LOG}?den-ngay={today - dt.timedelta(days=1)}")
    assert _entries(page) == []
    page = await client.page(f"{LOG}?tu-ngay={today.strftime('%d/%m/%Y')}")
    assert len(_entries(page)) >= 11


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("tu-ngay=31/02/2025", "tu-ngay", "Nhập ngày theo dạng dd/mm/yyyy"),
        ("den-ngay=hôm qua", "den-ngay", "Nhập ngày theo dạng dd/mm/yyyy"),
        ("tu-ngay=2025-03-02&den-ngay=2025-03-01", "den-ngay", "Ngày bắt đầu không được sau"),
        ("hanh-dong=<script>", "hanh-dong", "Hãy chọn một thao tác"),
    ],
)
async def test_wrong_filters_are_explained(client, trail, query, field, message):
    await _admin(client)
    page = await client.page(f"{LOG}?{query}", status=422)
    assert message in page.text_of(f"f-{field}-error")
    assert page.doc.find(f".//a[@href='#f-{field}']") is not None


async def test_keyset_pages_cover_the_log_once_each_way(client, trail):
    for i in range(120):
        await audit_record(action="holiday_saved", object_type="holiday", object_id=f"2025-01-{i}")
    await _admin(client)
    seen: list[int] = []
    url = f"{LOG}?hanh-dong=holiday_saved"
    pages = []
    while url:
        page = await client.page(url)
        pages.append(url)
        seen += _seqs(page)
        older = [a.get("href") for a in page.doc.iter("a") if "truoc=" in (a.get("href") or "")]
        assert all("offset" not in u for u in older)
        url = older[0].split("#")[0] if older else ""
    assert len(pages) == 3 and len(seen) == 120 and len(set(seen)) == 120
    assert seen == sorted(seen, reverse=True)
    last = await client.page(pages[-1])
    newer = [a.get("href") for a in last.doc.iter("a") if "sau=" in (a.get("href") or "")]
    back = await client.page(newer[0].split("#")[0])
    assert _seqs(back) == seen[50:100]
    first_again = [a.get("href") for a in back.doc.iter("a") if "sau=" in (a.get("href") or "")]
    top = await client.page(first_again[0].split("#")[0])
    assert _seqs(top) == seen[:50]
    assert not [a for a in top.doc.iter("a") if "sau=" in (a.get("href") or "")]


async def test_csv_export_of_the_filtered_rows_is_recorded(client, trail):
    await _admin(client)
    response = await client.submit(f"{LOG}/xuat", {"hanh-dong": "login_failed"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Số thứ tự", "Thời điểm (giờ Hà Nội)", "Tên đăng nhập"]
    assert len(rows) == 3 and all(r[4] == "login_failed" for r in rows[1:])
    assert {r[7] for r in rows[1:]} == {"daily.au", '\'=HYPERLINK("http://x")'}
    last = await AuditEvent.select().order_by(AuditEvent.seq, ascending=False).first()
    assert last["action"] == "audit_log_exported" and last["actor_label"] == "qt.admin"
    assert "login_failed" in str(last["details"])


async def test_a_refused_export_writes_nothing(client, trail):
    await _admin(client)
    before = await AuditEvent.count()
    response = await client.submit(f"{LOG}/xuat", {"tu-ngay": "32/13/2025"})
    assert response.status_code == 422 and "Nhập ngày theo dạng" in response.text
    assert await AuditEvent.count() == before


async def test_the_integrity_check_runs_on_demand_and_is_recorded(client, trail):
    await _admin(client)
    response = await client.submit(f"{LOG}/kiem-tra", {})
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/quan-tri/nhat-ky\?kiem-tra=\d+#kiem-tra", location)
    page = await client.page(location.split("#")[0])
    result = page.text_of("kiem-tra")
    assert "Chuỗi nhật ký nguyên vẹn" in result and "qt.admin" in result
    entry = await AuditEvent.select().where(AuditEvent.action == "audit_chain_verified").first()
    assert f"mục mới nhất là #{entry['seq'] - 1}" in result
    hx = await client.submit(f"{LOG}/kiem-tra", {}, htmx=True)
    assert hx.status_code == 200 and "Chuỗi nhật ký nguyên vẹn" in hx.text
    assert await AuditEvent.count().where(AuditEvent.action == "audit_chain_verified") == 2


async def test_the_integrity_check_names_a_tampered_entry(client, trail):
    await AuditEvent._meta.db.run_ddl(
        "UPDATE audit_event SET actor_label = 'ke.gian' WHERE seq = 3"
    )
    await _admin(client)
    hx = await client.submit(f"{LOG}/kiem-tra", {}, htmx=True)
    assert hx.status_code == 200
    assert "Chuỗi nhật ký bị đứt tại mục #3: một mục đã bị sửa sau khi ghi" in hx.text
