"""Phones, masks, e-mail addresses and national portal dossier codes."""

from __future__ import annotations

import datetime as dt

import pytest

from app.dossiers import validation as v
from app.dossiers.validation import (
    mask_id_number,
    mask_phone,
    normalise_phone,
    phone_last4,
    validate_email,
    validate_portal_code,
)
from app.errors import ValidationError
from app.web.i18n import translator


def refused(call, *args, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    return info.value.errors


# --- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        " 0912345678 ",
        "091 234 5678",
        "0912.345.678",
        "0912-345-678",
        "(091) 234-5678",
        "+84912345678",
        "+84 912 345 678",
        "+84 (0) 912 345 678",
        "(+84) 912-345-678",
        "84912345678",
        "84 912 345 678",
        "840912345678",
        "912345678",
        "０９１２３４５６７８",
    ],
)
def test_mobile_numbers_come_back_in_national_form(raw):
    assert normalise_phone(raw) == "0912345678"


@pytest.mark.parametrize("prefix", ["03", "05", "07", "08", "09"])
def test_every_mobile_prefix_is_accepted(prefix):
    assert normalise_phone(f"{prefix}12345678") == f"{prefix}12345678"
    assert normalise_phone(f"+84{prefix[1]}12345678") == f"{prefix}12345678"


@pytest.mark.parametrize(
    "raw",
    [
        "0112345678",
        "0212345678",
        "0412345678",
        "0612345678",
        "02438241234",  # Hanoi landline
        "091234567",
        "09123456789",
        "abc",
        "0912 345 67a",
        "+85512345678",
        "+1 912345678",
        "0084912345678",
        "+8491234567",
        "8491234567",
        "+84",
        "0",
    ],
)
def test_anything_else_is_refused(raw):
    errors = refused(normalise_phone, raw)
    assert errors == {"phone": v.MSG_PHONE}
    assert translator("vi").gettext(errors["phone"]) == (
        "Số điện thoại di động phải có 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09."
    )


@pytest.mark.parametrize("raw", ["", "  ", None, " - . "])
def test_an_empty_phone_asks_for_one(raw):
    assert refused(normalise_phone, raw) == {"phone": v.MSG_PHONE_REQUIRED}


def test_the_phone_field_name_can_be_chosen():
    assert refused(normalise_phone, "1", field="recipient_phone") == {
        "recipient_phone": v.MSG_PHONE
    }


def test_mask_phone_shows_only_the_last_three_digits():
    assert mask_phone("0912345789") == "0xx xxx x789"
    assert mask_phone("+84 912 345 789") == "0xx xxx x789"
    assert mask_phone("02438241234") == "xxxxxxxx234"
    assert mask_phone("12") == "xx"
    assert mask_phone("") == ""
    assert mask_phone(None) == ""
    assert "912" not in mask_phone("0912345789")


def test_mask_id_number_shows_only_the_last_three_digits():
    assert mask_id_number("001099012345") == "xxx xxx xxx 345"
    assert mask_id_number("012345678") == "xxx xxx 678"
    assert mask_id_number("1234") == "x234"
    assert mask_id_number("12") == "xx"
    assert mask_id_number(None) == ""


def test_phone_last4():
    assert phone_last4("0912345678") == "5678"
    assert phone_last4("+84 912 345 678") == "5678"
    assert phone_last4("678") == ""
    assert phone_last4(None) == ""


# --- e-mail -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("   ", ""),
        (None, ""),
        ("ten@example.com", "ten@example.com"),
        ("  ten@example.com ", "ten@example.com"),
        ("Ten.Ho+dvc@Sub.Example.VN", "Ten.Ho+dvc@sub.example.vn"),
        ("nguyen_van-an@hanoi.gov.vn", "nguyen_van-an@hanoi.gov.vn"),
        ("a@b.co", "a@b.co"),
    ],
)
def test_valid_or_empty_email(raw, expected):
    assert validate_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "ten",
        "ten@",
        "@example.com",
        "ten@example",
        "ten@@example.com",
        "ten @example.com",
        "ten@exa mple.com",
        "ten..ho@example.com",
        ".ten@example.com",
        "ten.@example.com",
        "ten@-example.com",
        "ten@example-.com",
        "ten@example.c",
        "ten@example..com",
        "tên@example.com",
        "ten@example.com,other@example.com",
        "<ten@example.com>",
        "x" * 65 + "@example.com",
    ],
)
def test_invalid_email_is_refused(raw):
    assert refused(validate_email, raw) == {"email": v.MSG_EMAIL}


def test_too_long_email_is_refused():
    raw = "a@" + "b" * 251 + ".vn"  # 256 characters
    assert refused(validate_email, raw) == {"email": "The e-mail address is too long."}
    assert len(validate_email("a@" + "b" * 60 + ".vn")) < 255


# --- national dossier codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("000.00.06.H56-231027-0361", "000.00.06.H56-231027-0361"),
        ("000.00.06.h56-231027-0361", "000.00.06.H56-231027-0361"),
        (" 000.00.21.H26-250205-0001 ", "000.00.21.H26-250205-0001"),
        ("000.00.21.H26 - 250205 - 0001", "000.00.21.H26-250205-0001"),
        ("000.00.00.G22-240229-9999", "000.00.00.G22-240229-9999"),
    ],
)
def test_valid_portal_codes(raw, expected):
    assert validate_portal_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "000.00.06.H56-231027-036",
        "000.00.06.H56-231027-03611",
        "000.00.06.H56-23102-0361",
        "000.00.06.H56-2310270-0361",
        "00.00.06.H56-231027-0361",
        "000.00.06.56-231027-0361",
        "000.00.06.HH6-231027-0361",
        "000.00.6.H56-231027-0361",
        "000.A0.01.H26-210212-9090",
        "000.00.06.H56/231027/0361",
        "000.00.06.H56_231027_0361",
        "000.00.06.H56-231027-0361-1",
        "H26-231027-0361",
        "2310270361",
    ],
)
def test_malformed_portal_codes(raw):
    assert refused(validate_portal_code, raw) == {"portal_code": v.MSG_PORTAL_FORMAT}


@pytest.mark.parametrize(
    "raw",
    ["000.00.06.H56-231327-0361", "000.00.06.H56-230229-0361", "000.00.06.H56-231000-0361"],
)
def test_the_date_in_the_code_must_exist(raw):
    assert refused(validate_portal_code, raw) == {"portal_code": v.MSG_PORTAL_DATE}


def test_an_empty_code_asks_for_one():
    assert refused(validate_portal_code, "  ") == {"portal_code": v.MSG_PORTAL_REQUIRED}
    assert refused(validate_portal_code, None) == {"portal_code": v.MSG_PORTAL_REQUIRED}


def test_the_unit_code_rule_is_configurable():
    lenient = v.PORTAL_UNIT_CODE_ALPHANUMERIC
    assert validate_portal_code("000.a0.01.h26-210212-9090", unit_code_pattern=lenient) == (
        "000.A0.01.H26-210212-9090"
    )
    assert validate_portal_code("H26.99-250205-0001", unit_code_pattern=r"H26\.\d{2}") == (
        "H26.99-250205-0001"
    )
    assert refused(validate_portal_code, "000.00.06.H56-231027-0361", unit_code_pattern=r"H26")
    errors = refused(validate_portal_code, "H26.99-251332-0001", unit_code_pattern=r"H26\.\d{2}")
    assert errors == {"portal_code": v.MSG_PORTAL_DATE}


def test_a_custom_pattern_with_its_own_groups_still_reads_the_date():
    pattern = r"(\d{3})\.(\d{2})\.(\d{2})\.([A-Z]\d{2})"
    assert validate_portal_code("000.00.06.H56-231027-0361", unit_code_pattern=pattern)
    assert refused(validate_portal_code, "000.00.06.H56-231327-0361", unit_code_pattern=pattern)


def test_portal_code_date():
    assert v.portal_code_date("000.00.06.H56-231027-0361") == dt.date(2023, 10, 27)
