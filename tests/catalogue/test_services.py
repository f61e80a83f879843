"""Catalogue writes without HTTP: create, edit with documents, retire, and every validation."""

from __future__ import annotations

import pytest

from app.audit.tables import AuditEvent
from app.catalogue.selectors import procedure_detail
from app.catalogue.services import (
    E_CODE_FORMAT,
    E_CODE_TAKEN,
    E_NO_COMPONENTS,
    procedure_clean,
    procedure_create,
    procedure_edit,
    procedure_retire,
    procedure_unretire,
)
from app.catalogue.tables import Procedure, ProcedureComponent
from app.errors import NotFoundError, ValidationError
from tests.catalogue.support import component, procedure

VALID = {
    "code": "1.001193",
    "name": "Đăng ký khai sinh",
    "field": "Hộ tịch",
    "authority_level": "commune",
    "service_level": "full_online",
    "processing_days": "0",
    "fee_amount": "0",
    "fee_note": "Miễn lệ phí khi đăng ký đúng hạn.",
    "agent_allowed": True,
    "description": "",
}


def _errors(values: dict, components: list[dict] | None = None) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        procedure_clean(values, components if components is not None else [component()])
    return caught.value.errors


async def test_create_stores_the_procedure_its_documents_and_an_audit_event():
    pid = await procedure_create(
        values=VALID,
        components=[
            component("Tờ khai đăng ký khai sinh"),
            component("Giấy chứng sinh", is_greyscale=False, note="Bản chính có dấu đỏ"),
            component("Văn bản ủy quyền", copy_kind="certified_copy", mandatory=False),
        ],
    )
    p = await procedure_detail(pid)
    assert (p["code"], p["name"], p["processing_days"], p["fee_amount"]) == (
        "1.001193",
        "Đăng ký khai sinh",
        0,
        0,
    )
    assert [c["name"] for c in p["components"]] == [
        "Tờ khai đăng ký khai sinh",
        "Giấy chứng sinh",
        "Văn bản ủy quyền",
    ]
    assert [c["position"] for c in p["components"]] == [1, 2, 3]
    assert p["components"][1]["is_greyscale"] is False
    assert p["components"][2]["mandatory"] is False
    assert await AuditEvent.count().where(AuditEvent.action == "procedure_created") == 1


async def test_form_strings_are_cleaned():
    data = procedure_clean(
        {
            **VALID,
            "code": " 1.001193.000.00.00.h26 ",
            "name": "  Đăng   ký\nkhai sinh ",
            "fee_amount": "100.000 đ",
            "processing_days": " 3 ",
            "agent_allowed": "on",
        },
        [component(count="2", mandatory="on", is_greyscale="", position="")],
    )
    assert data.code == "1.001193.000.00.00.H26"
    assert data.name == "Đăng ký khai sinh"
    assert (data.fee_amount, data.processing_days, data.agent_allowed) == (100000, 3, True)
    only = data.components[0]
    assert (only.copies, only.mandatory, only.is_greyscale) == (2, True, False)


@pytest.mark.parametrize(
    "code",
    ["", "1001193", "1.00119", "1.0011930", "A.001193", "1.001193.000.00.00", "1.001193.H26"],
)
async def test_code_format_is_checked(code):
    errors = _errors({**VALID, "code": code})
    assert "code" in errors


async def test_every_field_is_checked_at_once():
    errors = _errors(
        {
            "code": "12345",
            "name": "x" * 501,
            "field": "",
            "authority_level": "province",
            "service_level": "offline",
            "processing_days": "-1",
            "fee_amount": "một trăm",
            "fee_note": "x" * 2001,
            "description": "x" * 5001,
        },
        [
            {"name": "", "note": "ghi chú mà không có tên", "copy_kind": "original"},
            {"name": "Giấy tờ", "copy_kind": "photocopy", "count": "0", "position": "abc"},
            {"name": "Giấy tờ khác", "copy_kind": "copy", "count": "100", "note": "x" * 1001},
        ],
    )
    assert errors["code"] == E_CODE_FORMAT
    for name in (
        "name",
        "field",
        "authority_level",
        "service_level",
        "processing_days",
        "fee_amount",
        "fee_note",
        "description",
        "c-0-name",
        "c-1-copy_kind",
        "c-1-count",
        "c-1-position",
        "c-2-count",
        "c-2-note",
    ):
        assert name in errors, name


@pytest.mark.parametrize("bad", ["1.5", "1e3", "３", "²", "99999999999999999999", True, None])
async def test_numbers_must_be_plain_whole_numbers(bad):
    errors = _errors({**VALID, "processing_days": bad})
    assert "processing_days" in errors


async def test_blank_document_rows_are_ignored_but_one_document_is_needed():
    assert _errors(VALID, [{"name": " ", "note": ""}])["components"] == E_NO_COMPONENTS
    data = procedure_clean(VALID, [{"name": "", "note": ""}, component("Tờ khai")])
    assert [c.name for c in data.components] == ["Tờ khai"]


async def test_documents_follow_the_order_numbers():
    data = procedure_clean(
        VALID,
        [component("C", position="3"), component("A", position="1"), component("B", position="")],
    )
    assert [c.name for c in data.components] == ["A", "C", "B"]


async def test_codes_are_unique_on_create_and_edit():
    await procedure(code="1.001193")
    other = await procedure(code="1.000894", name="Đăng ký kết hôn")
    with pytest.raises(ValidationError) as caught:
        await procedure(code="1.001193")
    assert caught.value.errors == {"code": E_CODE_TAKEN}
    with pytest.raises(ValidationError):
        await procedure_edit(
            procedure_id=other,
            values={**VALID, "code": "1.001193"},
            components=[component()],
        )
    assert await Procedure.count() == 2


async def test_edit_updates_reorders_adds_and_removes_documents():
    pid = await procedure(components=[component("A"), component("B"), component("C")])
    before = {c["name"]: c["id"] for c in (await procedure_detail(pid))["components"]}
    await procedure_edit(
        procedure_id=pid,
        values={**VALID, "name": "Đăng ký khai sinh (sửa)"},
        components=[
            component("C sửa", id=before["C"], position="1"),
            component("A", id=before["A"], position="2"),
            component("D mới", position="3"),
        ],
    )
    p = await procedure_detail(pid)
    assert p["name"] == "Đăng ký khai sinh (sửa)"
    assert [(c["name"], c["position"]) for c in p["components"]] == [
        ("C sửa", 1),
        ("A", 2),
        ("D mới", 3),
    ]
    ids = {c["name"]: c["id"] for c in p["components"]}
    assert ids["C sửa"] == before["C"] and ids["A"] == before["A"]
    assert not await ProcedureComponent.exists().where(ProcedureComponent.id == before["B"])


async def test_edit_ignores_document_ids_of_another_procedure():
    mine = await procedure(components=[component("Của tôi")])
    theirs = await procedure(components=[component("Của thủ tục khác")])
    foreign_id = (await procedure_detail(theirs))["components"][0]["id"]
    await procedure_edit(
        procedure_id=mine, values=VALID, components=[component("Mới", id=foreign_id)]
    )
    assert [c["name"] for c in (await procedure_detail(theirs))["components"]] == [
        "Của thủ tục khác"
    ]
    assert [c["name"] for c in (await procedure_detail(mine))["components"]] == ["Mới"]


async def test_removing_a_document_keeps_the_dossiers_that_used_it():
    import datetime as dt

    from app.accounts.tables import User
    from app.dossiers.tables import Applicant, Dossier, DossierComponent
    from tests import factories

    pid = await procedure(components=[component("Tờ khai"), component("Giấy chứng sinh")])
    comps = (await procedure_detail(pid))["components"]
    agent_id = await factories.user(role="agent")
    point_id = (await User.select(User.point).where(User.id == agent_id).first())["point"]
    applicant = Applicant(
        full_name="Nguyễn Văn A",
        id_number="001090000001",
        date_of_birth=dt.date(1990, 1, 1),
        sex="male",
        phone="0912345678",
        address="Số 1 phố Thử",
    )
    await applicant.save()
    dossier = Dossier(
        reference="T-CAT-1",
        point=point_id,
        agent=agent_id,
        procedure=pid,
        applicant=applicant.id,
        status_token="token-catalogue-1",
    )
    await dossier.save()
    await DossierComponent(
        dossier=dossier.id,
        procedure_component=comps[1]["id"],
        name="Giấy chứng sinh",
        copy_kind="original",
    ).save()
    await procedure_edit(procedure_id=pid, values=VALID, components=[component("Tờ khai")])
    kept = await DossierComponent.select().where(DossierComponent.dossier == dossier.id)
    assert [(r["name"], r["procedure_component"]) for r in kept] == [("Giấy chứng sinh", None)]
    assert await Dossier.exists().where(Dossier.id == dossier.id)


async def test_retire_and_bring_back():
    pid = await procedure()
    await procedure_retire(procedure_id=pid)
    p = await procedure_detail(pid)
    assert p["is_retired"] and p["retired_at"] is not None
    await procedure_retire(procedure_id=pid)  # twice is harmless
    assert await AuditEvent.count().where(AuditEvent.action == "procedure_retired") == 1
    await procedure_unretire(procedure_id=pid)
    p = await procedure_detail(pid)
    assert not p["is_retired"] and p["retired_at"] is None


async def test_missing_procedures_are_not_found():
    for bad_id in (0, -1, 999_999, 2**40):
        with pytest.raises(NotFoundError):
            await procedure_retire(procedure_id=bad_id)
        with pytest.raises(NotFoundError):
            await procedure_detail(bad_id)
    with pytest.raises(NotFoundError):
        await procedure_edit(procedure_id=999_999, values=VALID, components=[component()])


async def test_a_concurrent_duplicate_code_is_reported_not_crashed(monkeypatch):
    """Two admins saving the same new code at once: the database's unique index decides."""
    from app.catalogue import services

    await procedure(code="1.001193")

    async def never_taken(code, *, other_than=None):
        return False

    monkeypatch.setattr(services, "_code_taken", never_taken)
    with pytest.raises(ValidationError) as caught:
        await procedure(code="1.001193")
    assert caught.value.errors == {"code": E_CODE_TAKEN}
    assert await Procedure.count() == 1
