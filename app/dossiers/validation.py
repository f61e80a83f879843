"""Pure checks for what an agent types or scans at intake: the CCCD number and the QR code on
the chip-based card, mobile phones, e-mail addresses and national portal dossier codes.

No database, no I/O. Each `validate_*` / `normalise_*` function returns the cleaned value or
raises `app.errors.ValidationError({field: msgid})`, the msgid being an English sentence marked
with N_() and translated in app/locales/vi/LC_MESSAGES/validation.po.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from app.errors import ValidationError
from app.web.i18n import N_, VN_TZ

# Codes of the province (or city under central authority) where the birth was registered: the
# first three digits of a personal identification number. Annex 1 of Circular 07/2016/TT-BCA;
# the 63 units before the 2025 merger of provinces. A merged province keeps the code of one of
# its predecessors, so numbers issued after 1 Jul 2025 still use codes from this list.
# Not covered: citizens whose birth was registered abroad carry a country code instead
# (verify the list in the circular's annex before accepting them).
PROVINCE_BIRTH_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

Sex = Literal["male", "female"]

# Fourth digit: century of birth and sex (even = male, odd = female), 1900 + 100 * (digit // 2).
CENTURY_SEX: dict[str, tuple[int, Sex]] = {
    str(digit): (1900 + 100 * (digit // 2), "male" if digit % 2 == 0 else "female")
    for digit in range(10)
}

MSG_CCCD_REQUIRED = N_("Enter the CCCD number.")
MSG_CCCD_DIGITS = N_("The CCCD number must have 12 digits.")
MSG_CCCD_PROVINCE = N_(
    "The first three digits of the CCCD number are not the code of a province or city."
)
MSG_CCCD_FUTURE = N_("The CCCD number gives a year of birth in the future.")
MSG_CCCD_DOB = N_("The CCCD number does not match the date of birth.")
MSG_CCCD_SEX = N_("The CCCD number does not match the sex.")

MSG_QR_EMPTY = N_("The QR code is empty. Scan the QR code on the back of the CCCD card.")
MSG_QR_NOT_CCCD = N_("This is not the QR code of a CCCD card.")
MSG_QR_FIELDS = N_(
    "This is not the QR code of a CCCD card: it must have 7 parts separated by a vertical bar."
)
MSG_QR_ID = N_("The QR code does not contain a 12-digit CCCD number.")
MSG_QR_OLD_ID = N_("The old ID number in the QR code must have 9 digits.")
MSG_QR_NAME = N_("The QR code does not contain a usable full name.")
MSG_QR_DOB = N_("The date of birth in the QR code is not a valid date.")
MSG_QR_SEX = N_("The sex in the QR code must be Nam or Nữ.")
MSG_QR_ADDRESS = N_("The QR code does not contain a usable address.")
MSG_QR_ISSUE = N_("The issue date in the QR code is not a valid date.")

MSG_PHONE_REQUIRED = N_("Enter a mobile phone number.")
MSG_PHONE = N_("A mobile phone number has 10 digits and starts with 03, 05, 07, 08 or 09.")

MSG_EMAIL = N_("Enter a valid e-mail address, such as ten@example.com.")
MSG_EMAIL_TOO_LONG = N_("The e-mail address is too long.")

MSG_PORTAL_REQUIRED = N_("Enter the dossier code given by the portal.")
MSG_PORTAL_FORMAT = N_(
    "The dossier code must look like 000.00.06.H26-250205-0001: "
    "the receiving office's code, the date received (yymmdd) and a 4-digit number."
)
MSG_PORTAL_DATE = N_("The date in the dossier code (yymmdd) is not a real date.")

QR_FIELD = "qr"
QR_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 255
ADDRESS_MAX_LENGTH = 500
EMAIL_MAX_LENGTH = 255

_DIGITS = re.compile(r"[0-9]+")
_SPACES = re.compile(r"\s+")


def _vn_today() -> dt.date:
    return dt.datetime.now(VN_TZ).date()


def _clean_text(value: str) -> str:
    """NFC (scanners and some keyboards send decomposed Vietnamese), one space between words."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def _ascii_digits(value: str) -> str:
    """Full-width digits from some phone keyboards become ASCII; everything else is kept."""
    return unicodedata.normalize("NFKC", value)


# --- CCCD ------------------------------------------------------------------------------


def cccd_birth_year(number: str) -> int:
    """The year of birth encoded in a 12-digit number already checked by validate_cccd."""
    century, _ = CENTURY_SEX[number[3]]
    return century + int(number[4:6])


def cccd_sex(number: str) -> Sex:
    return CENTURY_SEX[number[3]][1]


def validate_cccd(
    number: str | None,
    *,
    date_of_birth: dt.date | None = None,
    sex: str | None = None,
    today: dt.date | None = None,
    field: str = "id_number",
) -> str:
    """The 12-digit personal identification number printed on the CCCD card, spaces removed.

    Checks the province-of-birth code (digits 1–3), the century/sex code (digit 4) and the
    last two digits of the birth year (digits 5–6); when `date_of_birth` or `sex` ('male' /
    'female') are given they must agree with the number. Digits 7–12 are random.
    """
    if sex is not None and sex not in ("male", "female"):
        raise ValueError(f"sex must be 'male' or 'female', not {sex!r}")
    digits = _SPACES.sub("", _ascii_digits(number or ""))
    if not digits:
        raise ValidationError({field: MSG_CCCD_REQUIRED})
    if len(digits) != 12 or not _DIGITS.fullmatch(digits):
        raise ValidationError({field: MSG_CCCD_DIGITS})
    if digits[:3] not in PROVINCE_BIRTH_CODES:
        raise ValidationError({field: MSG_CCCD_PROVINCE})
    year = cccd_birth_year(digits)
    if year > (today or _vn_today()).year:
        raise ValidationError({field: MSG_CCCD_FUTURE})
    if date_of_birth is not None and date_of_birth.year != year:
        raise ValidationError({field: MSG_CCCD_DOB})
    if sex is not None and sex != cccd_sex(digits):
        raise ValidationError({field: MSG_CCCD_SEX})
    return digits


# --- QR code on the chip-based card -------------------------------------------------------


@dataclass(frozen=True)
class CccdQrData:
    id_number: str
    old_id_number: str  # "" when the card holder never had a 9-digit ID
    full_name: str
    date_of_birth: dt.date
    sex: Sex
    address: str
    issue_date: dt.date | None


def _qr_date(value: str) -> dt.date | None:
    if len(value) != 8 or not _DIGITS.fullmatch(value):
        return None
    try:
        return dt.date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        return None


def _qr_error(message: str) -> ValidationError:
    return ValidationError({QR_FIELD: message})


def parse_cccd_qr(payload: str | bytes | None, *, today: dt.date | None = None) -> CccdQrData:
    """Reads the text of the QR code on a chip-based CCCD card.

    Format: `CCCD number|old 9-digit ID (may be empty)|full name|dob ddmmyyyy|Nam or Nữ|
    permanent address|issue date ddmmyyyy`. Surrounding whitespace, a byte-order mark,
    Windows line endings and one trailing `|` are tolerated; text is returned NFC-normalised
    with single spaces. Anything else malformed raises ValidationError on the field "qr".
    """
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _qr_error(MSG_QR_NOT_CCCD) from None
    text = (payload or "").replace("\ufeff", "").replace("\r", "").strip()
    if not text:
        raise _qr_error(MSG_QR_EMPTY)
    if len(text) > QR_MAX_LENGTH or "\n" in text:
        raise _qr_error(MSG_QR_NOT_CCCD)
    parts = [part.strip() for part in text.split("|")]
    if len(parts) == 8 and parts[-1] == "":
        parts.pop()
    if len(parts) != 7:
        raise _qr_error(MSG_QR_FIELDS)
    raw_id, old_id, raw_name, raw_dob, raw_sex, raw_address, raw_issue = parts
    today = today or _vn_today()

    if len(raw_id) != 12 or not _DIGITS.fullmatch(raw_id):
        raise _qr_error(MSG_QR_ID)
    if old_id and (len(old_id) != 9 or not _DIGITS.fullmatch(old_id)):
        raise _qr_error(MSG_QR_OLD_ID)
    full_name = _clean_text(raw_name)
    if not full_name or len(full_name) > NAME_MAX_LENGTH or any(c.isdigit() for c in full_name):
        raise _qr_error(MSG_QR_NAME)
    date_of_birth = _qr_date(raw_dob)
    if date_of_birth is None or date_of_birth > today or date_of_birth.year < 1900:
        raise _qr_error(MSG_QR_DOB)
    sex_word = _clean_text(raw_sex).casefold()
    if sex_word == "nam":
        sex: Sex = "male"
    elif sex_word == "nữ":
        sex = "female"
    else:
        raise _qr_error(MSG_QR_SEX)
    address = _clean_text(raw_address)
    if not address or len(address) > ADDRESS_MAX_LENGTH:
        raise _qr_error(MSG_QR_ADDRESS)
    issue_date = None
    if raw_issue:
        issue_date = _qr_date(raw_issue)
        if issue_date is None or issue_date > today or issue_date < date_of_birth:
            raise _qr_error(MSG_QR_ISSUE)
    id_number = validate_cccd(
        raw_id, date_of_birth=date_of_birth, sex=sex, today=today, field=QR_FIELD
    )
    return CccdQrData(
        id_number=id_number,
        old_id_number=old_id,
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=sex,
        address=address,
        issue_date=issue_date,
    )


# --- Phones ------------------------------------------------------------------------------

MOBILE_PREFIXES = ("03", "05", "07", "08", "09")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]+")
_MOBILE = re.compile(r"0[35789][0-9]{8}")


def normalise_phone(raw: str | None, *, field: str = "phone") -> str:
    """A Vietnamese mobile number in national form `0xxxxxxxxx`.

    Accepts spaces, dots, dashes and brackets, and the international forms `+84…`, `84…`
    (also written `+84 (0)…`). Landlines and short codes are refused.
    """
    text = _PHONE_SEPARATORS.sub("", _ascii_digits(raw or ""))
    if not text:
        raise ValidationError({field: MSG_PHONE_REQUIRED})
    if text.startswith("+84"):
        text = text[3:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = text[2:]
    elif text.startswith("+"):
        raise ValidationError({field: MSG_PHONE})
    if not text.startswith("0"):
        text = "0" + text
    if not _MOBILE.fullmatch(text):
        raise ValidationError({field: MSG_PHONE})
    return text


def _digits_of(value: str | None) -> str:
    return "".join(c for c in _ascii_digits(value or "") if "0" <= c <= "9")


def mask_phone(phone: str | None) -> str:
    """`0912345789` → `0xx xxx x789`: enough for a citizen to recognise their own number.
    Numbers that are not mobiles keep only their last three digits."""
    try:
        digits = normalise_phone(phone)
    except ValidationError:
        digits = _digits_of(phone)
    if len(digits) == 10:
        return f"{digits[0]}xx xxx x{digits[-3:]}"
    if len(digits) <= 3:
        return "x" * len(digits)
    return "x" * (len(digits) - 3) + digits[-3:]


def mask_id_number(number: str | None) -> str:
    """`001099012345` → `xxx xxx xxx 345`; a 9-digit ID → `xxx xxx 345`."""
    digits = _digits_of(number)
    if len(digits) <= 3:
        return "x" * len(digits)
    masked = "x" * (len(digits) - 3) + digits[-3:]
    if len(masked) % 3 == 0:
        return " ".join(masked[i : i + 3] for i in range(0, len(masked), 3))
    return masked


def phone_last4(phone: str | None) -> str:
    """The last four digits, asked of a citizen to confirm a status lookup; "" if too short."""
    digits = _digits_of(phone)
    return digits[-4:] if len(digits) >= 4 else ""


# --- E-mail --------------------------------------------------------------------------------

_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_DOMAIN = re.compile(r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def validate_email(raw: str | None, *, field: str = "email") -> str:
    """An optional e-mail address: "" when left empty, else `local@domain.tld` with the domain
    lower-cased. A sanity check for typing mistakes, not a full RFC 5322 parser."""
    text = (raw or "").strip()
    if not text:
        return ""
    if len(text) > EMAIL_MAX_LENGTH:
        raise ValidationError({field: MSG_EMAIL_TOO_LONG})
    local, at, domain = text.rpartition("@")
    if (
        not at
        or len(local) > 64
        or not _EMAIL_LOCAL.fullmatch(local)
        or not _EMAIL_DOMAIN.fullmatch(domain)
    ):
        raise ValidationError({field: MSG_EMAIL})
    return f"{local}@{domain.lower()}"


# --- National portal dossier code -------------------------------------------------------------

# The receiving body's electronic identifier `V1V2V3.Z1Z2.Y1Y2.MX1X2`, e.g. `000.00.06.H56`
# (Circular 01/2018/TT-VPCP art. 19). Strict by default: digits, then one letter and two digits.
PORTAL_UNIT_CODE_STRICT = r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}"
# Some systems' codes carry letters in the inner groups (`000.A0.01.H26` was seen in a public
# test fixture); not confirmed in a regulation, so only used when a caller passes it.
PORTAL_UNIT_CODE_ALPHANUMERIC = r"[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z]\d{2}"


def validate_portal_code(
    code: str | None, *, unit_code_pattern: str | None = None, field: str = "portal_code"
) -> str:
    """A national dossier code `<unit code>-YYMMDD-NNNN`, upper-cased and without spaces.

    YYMMDD is the date received (20YY) and must be a real date; NNNN is the unit's 4-digit
    sequence for that day. `unit_code_pattern` (a regular expression) replaces the strict
    default for the unit code part.
    """
    text = _SPACES.sub("", _ascii_digits(code or "")).upper()
    if not text:
        raise ValidationError({field: MSG_PORTAL_REQUIRED})
    pattern = unit_code_pattern or PORTAL_UNIT_CODE_STRICT
    match = re.fullmatch(rf"(?:{pattern})-(?P<yymmdd>\d{{6}})-\d{{4}}", text)
    if match is None:
        raise ValidationError({field: MSG_PORTAL_FORMAT})
    yymmdd = match["yymmdd"]
    try:
        dt.date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        raise ValidationError({field: MSG_PORTAL_DATE}) from None
    return text


def portal_code_date(code: str) -> dt.date:
    """The date received encoded in a code already checked by validate_portal_code."""
    yymmdd = code.rsplit("-", 2)[1]
    return dt.date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
