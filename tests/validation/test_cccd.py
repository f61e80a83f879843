"""The CCCD number and the QR code on the chip-based card."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from app.dossiers import validation as v
from app.dossiers.validation import CccdQrData, parse_cccd_qr, validate_cccd
from app.errors import ValidationError
from app.web.i18n import translator

TODAY = dt.date(2025, 6, 1)


def refused(call, *args, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    return info.value.errors


# --- validate_cccd --------------------------------------------------------------------


def test_a_valid_number_comes_back_as_twelve_digits():
    assert validate_cccd("001099012345") == "001099012345"
    assert validate_cccd(" 001 099 012 345 ") == "001099012345"
    assert validate_cccd("001\u00a0099\t012345") == "001099012345"
    assert validate_cccd("００１０９９０１２３４５") == "001099012345"  # full-width keyboard


@pytest.mark.parametrize(
    "raw", ["00109901234", "0010990123456", "00109901234a", "001-099-012-345", "٠٠١٠٩٩٠١٢٣٤٥"]
)
def test_anything_but_twelve_digits_is_refused(raw):
    assert refused(validate_cccd, raw) == {"id_number": "The CCCD number must have 12 digits."}


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_an_empty_number_asks_for_one(raw):
    assert refused(validate_cccd, raw) == {"id_number": "Enter the CCCD number."}


def test_the_message_is_translated_to_vietnamese():
    errors = refused(validate_cccd, "123")
    assert translator("vi").gettext(errors["id_number"]) == "Số CCCD phải có 12 chữ số."


def test_the_province_list_is_the_official_one():
    codes = v.PROVINCE_BIRTH_CODES
    assert len(codes) == 63
    assert codes["001"] == "Hà Nội" and codes["079"] == "Hồ Chí Minh" and codes["096"] == "Cà Mau"
    assert all(len(c) == 3 and c.isdigit() and "001" <= c <= "096" for c in codes)
    for gap in ("003", "005", "007", "009", "013", "016", "018", "021", "023", "028", "029"):
        assert gap not in codes


@pytest.mark.parametrize("code", sorted(v.PROVINCE_BIRTH_CODES))
def test_every_province_code_is_accepted(code):
    assert validate_cccd(f"{code}185000123") == f"{code}185000123"


@pytest.mark.parametrize("code", ["000", "003", "097", "099", "100", "999"])
def test_an_unknown_province_code_is_refused(code):
    errors = refused(validate_cccd, f"{code}099012345")
    assert errors["id_number"] == v.MSG_CCCD_PROVINCE


@pytest.mark.parametrize(
    ("digit", "year", "sex"),
    [
        ("0", 1999, "male"),
        ("1", 1999, "female"),
        ("2", 2099, "male"),
        ("3", 2099, "female"),
        ("4", 2199, "male"),
        ("5", 2199, "female"),
        ("6", 2299, "male"),
        ("7", 2299, "female"),
        ("8", 2399, "male"),
        ("9", 2399, "female"),
    ],
)
def test_the_fourth_digit_encodes_century_and_sex(digit, year, sex):
    number = f"001{digit}99123456"
    assert v.cccd_birth_year(number) == year
    assert v.cccd_sex(number) == sex


def test_date_of_birth_and_sex_must_agree_with_the_number():
    number = "001099012345"  # Hà Nội, male, born 1999
    assert validate_cccd(number, date_of_birth=dt.date(1999, 12, 31), sex="male") == number
    assert refused(validate_cccd, number, date_of_birth=dt.date(1998, 12, 31)) == {
        "id_number": "The CCCD number does not match the date of birth."
    }
    assert refused(validate_cccd, number, date_of_birth=dt.date(2099, 1, 1)) == {
        "id_number": "The CCCD number does not match the date of birth."
    }
    assert refused(validate_cccd, number, sex="female") == {
        "id_number": "The CCCD number does not match the sex."
    }


def test_a_woman_born_in_2003():
    number = "079303000777"
    assert validate_cccd(number, date_of_birth=dt.date(2003, 5, 1), sex="female") == number
    assert refused(validate_cccd, number, sex="male")["id_number"] == v.MSG_CCCD_SEX
    assert refused(validate_cccd, number, date_of_birth=dt.date(1903, 5, 1))


def test_a_birth_year_in_the_future_is_refused():
    assert validate_cccd("001225000001", today=TODAY) == "001225000001"  # 2025
    assert refused(validate_cccd, "001226000001", today=TODAY) == {
        "id_number": "The CCCD number gives a year of birth in the future."
    }
    assert refused(validate_cccd, "001400000001", today=TODAY)["id_number"] == v.MSG_CCCD_FUTURE


def test_the_date_of_birth_is_checked_before_the_sex():
    errors = refused(validate_cccd, "001099012345", date_of_birth=dt.date(1990, 1, 1), sex="female")
    assert errors["id_number"] == v.MSG_CCCD_DOB


def test_the_field_name_can_be_chosen():
    assert refused(validate_cccd, "1", field="applicant_id") == {"applicant_id": v.MSG_CCCD_DIGITS}


def test_a_wrong_sex_word_is_a_programming_error():
    with pytest.raises(ValueError):
        validate_cccd("001099012345", sex="Nam")


# --- parse_cccd_qr ----------------------------------------------------------------------

ADDRESS = "Thôn Tây Đằng, Xã Ba Vì, Thành phố Hà Nội"
VALID = f"001099012345|012345678|Nguyễn Văn An|15031999|Nam|{ADDRESS}|20042021"


def parse(payload, **kwargs) -> CccdQrData:
    return parse_cccd_qr(payload, today=TODAY, **kwargs)


def test_a_valid_payload_is_read_field_by_field():
    data = parse(VALID)
    assert data == CccdQrData(
        id_number="001099012345",
        old_id_number="012345678",
        full_name="Nguyễn Văn An",
        date_of_birth=dt.date(1999, 3, 15),
        sex="male",
        address=ADDRESS,
        issue_date=dt.date(2021, 4, 20),
    )
    with pytest.raises(AttributeError):
        data.full_name = "Someone else"  # frozen


def test_a_woman_without_old_id_or_issue_date():
    data = parse("079303000777||Trần Thị Bích|01052003|Nữ|12 Lê Lợi, TP HCM|")
    assert data.old_id_number == ""
    assert data.sex == "female"
    assert data.issue_date is None
    assert data.date_of_birth == dt.date(2003, 5, 1)


@pytest.mark.parametrize(
    "payload",
    [
        VALID + "|",
        f"  {VALID}  ",
        f"{VALID}\r\n",
        f"\ufeff{VALID}",
        f"\ufeff{VALID}|\r\n",
        VALID.replace("|", " | "),
        f"{VALID}".encode("utf-8-sig"),
        VALID.encode(),
    ],
)
def test_harmless_noise_around_the_payload_is_tolerated(payload):
    assert parse(payload) == parse(VALID)


def test_decomposed_text_comes_back_composed():
    decomposed = unicodedata.normalize("NFD", VALID)
    assert decomposed != VALID
    data = parse(decomposed)
    assert data.full_name == "Nguyễn Văn An"
    assert unicodedata.is_normalized("NFC", data.full_name)
    assert data.address == ADDRESS
    assert parse(
        unicodedata.normalize("NFD", "079303000777||Lê Thị Hà|01052003|Nữ|Hà Nội|")
    ).sex == ("female")


def test_extra_spaces_inside_the_name_are_collapsed_and_case_of_sex_ignored():
    data = parse("001099012345||  Nguyễn   Văn  An |15031999|NAM|Hà  Nội|")
    assert data.full_name == "Nguyễn Văn An"
    assert data.address == "Hà Nội"
    assert data.sex == "male"


MALFORMED = [
    ("001099012345|012345678|Nguyễn Văn An|15031999|Nam|Hà Nội", v.MSG_QR_FIELDS),
    (VALID + "|extra", v.MSG_QR_FIELDS),
    (VALID + "||", v.MSG_QR_FIELDS),
    (VALID + "|Nguyễn Văn B|Nguyễn Thị C", v.MSG_QR_FIELDS),
    ("https://example.com/not-a-card", v.MSG_QR_FIELDS),
    ("001099012345", v.MSG_QR_FIELDS),
    (VALID.replace("\n", "") + "\nsecond line", v.MSG_QR_NOT_CCCD),
    ("|" * 3000, v.MSG_QR_NOT_CCCD),
    (VALID.replace("001099012345", "00109901234X"), v.MSG_QR_ID),
    (VALID.replace("001099012345", "00109901234"), v.MSG_QR_ID),
    (VALID.replace("001099012345", "0010990123456"), v.MSG_QR_ID),
    (VALID.replace("001099012345", ""), v.MSG_QR_ID),
    (VALID.replace("012345678", "01234567"), v.MSG_QR_OLD_ID),
    (VALID.replace("012345678", "01234567A"), v.MSG_QR_OLD_ID),
    (VALID.replace("Nguyễn Văn An", ""), v.MSG_QR_NAME),
    (VALID.replace("Nguyễn Văn An", "Nguyễn Văn 4n"), v.MSG_QR_NAME),
    (VALID.replace("Nguyễn Văn An", "A" * 256), v.MSG_QR_NAME),
    (VALID.replace("15031999", "31021999"), v.MSG_QR_DOB),
    (VALID.replace("15031999", "1999-03-15"), v.MSG_QR_DOB),
    (VALID.replace("15031999", "1503199"), v.MSG_QR_DOB),
    (VALID.replace("15031999", ""), v.MSG_QR_DOB),
    (VALID.replace("15031999", "15031899"), v.MSG_QR_DOB),
    (VALID.replace("|Nam|", "|M|"), v.MSG_QR_SEX),
    (VALID.replace("|Nam|", "|Nu|"), v.MSG_QR_SEX),
    (VALID.replace("|Nam|", "||"), v.MSG_QR_SEX),
    (VALID.replace("|Nam|", "|male|"), v.MSG_QR_SEX),
    (VALID.replace(ADDRESS, ""), v.MSG_QR_ADDRESS),
    (VALID.replace(ADDRESS, "x" * 501), v.MSG_QR_ADDRESS),
    (VALID.replace("20042021", "32012021"), v.MSG_QR_ISSUE),
    (VALID.replace("20042021", "2004202"), v.MSG_QR_ISSUE),
    (VALID.replace("20042021", "01011990"), v.MSG_QR_ISSUE),  # before the birth
    (VALID.replace("20042021", "01012026"), v.MSG_QR_ISSUE),  # after "today"
    (VALID.replace("15031999", "15031998"), v.MSG_CCCD_DOB),  # number says 1999
    (VALID.replace("|Nam|", "|Nữ|"), v.MSG_CCCD_SEX),  # number says male
    (VALID.replace("001099012345", "003099012345"), v.MSG_CCCD_PROVINCE),
    ("", v.MSG_QR_EMPTY),
    ("  \r\n ", v.MSG_QR_EMPTY),
    ("\ufeff", v.MSG_QR_EMPTY),
    (None, v.MSG_QR_EMPTY),
    (b"\xff\xfe\x00garbage", v.MSG_QR_NOT_CCCD),
]


@pytest.mark.parametrize(("payload", "message"), MALFORMED)
def test_malformed_payloads_are_refused_with_a_clear_message(payload, message):
    assert refused(parse, payload) == {"qr": message}


def test_a_future_date_of_birth_is_refused():
    payload = "001225000001||Bé Na|02062025|Nam|Hà Nội|"
    assert refused(parse, payload) == {"qr": v.MSG_QR_DOB}  # today is 1 Jun 2025
    assert parse_cccd_qr(payload, today=dt.date(2025, 6, 2)).date_of_birth == dt.date(2025, 6, 2)


def test_every_qr_message_has_a_vietnamese_translation():
    vi = translator("vi")
    for _payload, message in MALFORMED:
        assert vi.gettext(message) != message
