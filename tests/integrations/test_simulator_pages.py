"""The simulators mounted in our app when "embedded": their demo pages (checked HTML),
their forms, and what they remember after a restart."""

from __future__ import annotations

import datetime as dt

import pytest

from app.dossiers import services
from app.dossiers.tables import Dossier
from app.integrations.portal import (
    HttpPortalConnector,
    get_portal_connector,
    portal_simulator_for,
)
from app.integrations.portal_sim import simulator_of
from app.integrations.postal import get_postal_connector
from app.settings import SettingsError
from app.web.i18n import VN_TZ
from tests import factories
from tests.html_client import PageClient, check_html
from tests.integrations.support import UNIT, ready_dossier


async def _submit(client) -> tuple[int, str]:
    user, dossier_id = await ready_dossier()
    code = await services.dossier_submit(
        user=user, dossier_id=dossier_id, version=1, connector=get_portal_connector(client.app)
    )
    return dossier_id, code


async def _status(dossier_id: int) -> str:
    return (await Dossier.select(Dossier.status).where(Dossier.id == dossier_id).first())["status"]


async def test_the_portal_page_lists_dossiers_with_buttons(client):
    empty = await client.page("/mo-phong/cong-dvc/sim/")
    assert "Chưa có hồ sơ nào" in empty.text
    _, code = await _submit(client)
    page = await client.page("/mo-phong/cong-dvc/sim/")
    assert page.lang == "vi" and "Cổng Dịch vụ công quốc gia" in page.title
    assert code in page.text and "Mới đăng ký" in page.text
    actions = {form.get("action") for form in page.select_all("form")}
    assert f"/mo-phong/cong-dvc/sim/dossiers/{code}/advance" in actions
    assert f"/mo-phong/cong-dvc/sim/dossiers/{code}/status" in actions
    css = page.select_all("link", rel="stylesheet")[0].get("href")
    response = await client.get(css)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert not list(page.doc.iter("style")) and not list(page.doc.iter("script"))


async def test_the_portal_page_forms_move_the_dossier(client):
    dossier_id, code = await _submit(client)
    page = await client.page("/mo-phong/cong-dvc/sim/")
    token = page.select_all("input", name="_csrf_token")[0].get("value")
    base = f"/mo-phong/cong-dvc/sim/dossiers/{code}"
    moved = await client.post(f"{base}/advance", data={"_csrf_token": token})
    assert moved.status_code == 303 and moved.headers["location"] == "/mo-phong/cong-dvc/sim/"
    assert await _status(dossier_id) == "received"
    asked = await client.post(
        f"{base}/status",
        data={"_csrf_token": token, "status_code": "5", "reason": "Bổ sung giấy khai sinh."},
    )
    assert asked.status_code == 303
    row = await Dossier.objects().get(Dossier.id == dossier_id)
    assert row.status == "supplement_requested" and row.supplement_note == "Bổ sung giấy khai sinh."
    page = await client.page("/mo-phong/cong-dvc/sim/")
    assert "Yêu cầu bổ sung giấy tờ" in page.text and "applied" in page.text


async def test_a_page_form_without_its_token_is_refused(client):
    dossier_id, code = await _submit(client)
    response = await client.post(f"/mo-phong/cong-dvc/sim/dossiers/{code}/advance", data={})
    assert response.status_code == 403
    check_html(response.text)
    assert "Biểu mẫu đã hết hạn" in response.text
    assert await _status(dossier_id) == "submitted"


async def test_unknown_codes_and_bad_statuses_show_on_the_page(client):
    missing = await client.page("/mo-phong/cong-dvc/sim/", status=200)
    token = missing.select_all("input", name="_csrf_token")
    assert token == []  # no dossier yet, no forms
    response = await client.post(
        "/mo-phong/cong-dvc/sim/dossiers/000.00.26.H26-250101-0001/status",
        json={"status_code": 42},
    )
    assert response.status_code == 404


async def test_the_mount_root_redirects_to_the_page(client):
    response = await client.get("/mo-phong/cong-dvc/")
    assert response.status_code == 303
    assert response.headers["location"] == "/mo-phong/cong-dvc/sim/"


async def test_the_postal_page_renders(client):
    page = await client.page("/mo-phong/buu-dien/sim/")
    assert "Bưu chính công ích" in page.text
    assert "Chưa có yêu cầu phát nào" in page.text


async def test_no_simulator_is_mounted_for_a_real_portal_or_in_production(make_app):
    for overrides in (
        {"portal_url": "https://portal.example.vn", "postal_url": "https://post.example.vn"},
        {"environment": "production"},
    ):
        async with PageClient.for_app(make_app(**overrides)) as client:
            await client.page("/mo-phong/cong-dvc/sim/", status=404)
            await client.page("/mo-phong/buu-dien/sim/", status=404)
            assert portal_simulator_for(client.app) is None


async def test_production_refuses_to_submit_to_the_simulator(make_app):
    app = make_app(environment="production")
    with pytest.raises(SettingsError):
        get_portal_connector(app)
    with pytest.raises(SettingsError):
        get_postal_connector(app)
    real = make_app(environment="production", portal_url="https://portal.example.vn")
    assert isinstance(get_portal_connector(real), HttpPortalConnector)


async def test_a_restarted_simulator_picks_up_open_dossiers_and_continues_codes(make_app):
    today = dt.datetime.now(VN_TZ).date()
    code = f"{UNIT}-{today:%y%m%d}-0007"
    dossier_id = await factories.dossier(status="received", portal_code=code)
    await Dossier.update({Dossier.portal_seq: 1}).where(Dossier.id == dossier_id)
    async with PageClient.for_app(make_app()) as client:  # a fresh app: an empty simulator
        page = await client.page("/mo-phong/cong-dvc/sim/")
        assert code in page.text and "Được tiếp nhận" in page.text
        sim = simulator_of(portal_simulator_for(client.app))
        assert sim.dossiers[code].seq == 1
        response = await client.post(f"/mo-phong/cong-dvc/sim/dossiers/{code}/advance", json={})
        assert response.json()["deliveries"][0] == {
            **response.json()["deliveries"][0],
            "seq": 2,
            "answer": "applied",
        }
        assert await _status(dossier_id) == "processing"
        _, new_code = await _submit(client)
        assert new_code == f"{UNIT}-{today:%y%m%d}-0008"
