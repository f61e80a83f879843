"""Checks on what is typed about organisations and points: tax codes, phones, coordinates."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from app.web.i18n import N_

TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_TAX_CODE = re.compile(r"([0-9]{10})(?:-([0-9]{3}))?")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]+")
_PHONE = re.compile(r"0[35789][0-9]{8}|02[0-9]{9}")  # a mobile, or a landline with area code
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")

# Hanoi's rough bounding box (Ba Vì in the west to Gia Lâm in the east, Sóc Sơn to Mỹ Đức).
HANOI_LAT = (20.53, 21.39)
HANOI_LNG = (105.28, 106.03)

MSG_TAX_CODE_REQUIRED = N_("Enter the tax code.")
MSG_TAX_CODE_FORMAT = N_(
    "A tax code has 10 digits, or 10 digits, a dash and 3 digits for a branch "
    "(for example 0100109106 or 0100109106-001)."
)
MSG_TAX_CODE_CHECK = N_("This tax code is not valid: check its digits again.")
MSG_PHONE = N_(
    "A phone number has 10 digits (mobile, starting with 03, 05, 07, 08 or 09) "
    "or 11 digits (landline, starting with 02)."
)
MSG_COORDINATES_BOTH = N_("Enter both the latitude and the longitude, or neither.")
MSG_LATITUDE = N_("The latitude must be a number between 20.53 and 21.39 (inside Hanoi).")
MSG_LONGITUDE = N_("The longitude must be a number between 105.28 and 106.03 (inside Hanoi).")
MSG_DATE = N_("Enter the date as dd/mm/yyyy.")


def clean_text(value: object, limit: int | None = None) -> str:
    """NFC, no control or bidi-override characters, one space between words."""
    text = unicodedata.normalize("NFC", value if isinstance(value, str) else "")
    text = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
    return text if limit is None else text[: limit * 4]


def clean_multiline(value: object) -> str:
    text = unicodedata.normalize("NFC", value if isinstance(value, str) else "")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]", "", text)
    return text.replace("\r\n", "\n").strip()


def tax_code_check_digit(first_nine: str) -> int | None:
    """10 - (weighted sum mod 11); None when that is 10 (no valid code has those 9 digits)."""
    total = sum(int(d) * w for d, w in zip(first_nine, TAX_CODE_WEIGHTS, strict=True))
    check = 10 - total % 11
    return None if check == 10 else check


def tax_code_problem(raw: str) -> str | None:
    """None for a valid mã số thuế, else the message saying what is wrong."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace(" ", "")
    if not text:
        return MSG_TAX_CODE_REQUIRED
    match = _TAX_CODE.fullmatch(text)
    if not match:
        return MSG_TAX_CODE_FORMAT
    digits = match.group(1)
    if tax_code_check_digit(digits[:9]) != int(digits[9]):
        return MSG_TAX_CODE_CHECK
    return None


def normalise_tax_code(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw or "").strip().replace(" ", "")


def is_valid_tax_code(raw: str) -> bool:
    return tax_code_problem(raw) is None


def normalise_phone(raw: str) -> str | None:
    """National form (`0…`), or None when it is not a Vietnamese mobile or landline number."""
    text = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    return text if _PHONE.fullmatch(text) else None


def parse_coordinate(raw: str, low: float, high: float) -> float | None:
    """A decimal number (a comma is taken as the decimal point) within [low, high]."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace(",", ".")
    if not re.fullmatch(r"-?[0-9]{1,3}(\.[0-9]{1,10})?", text):
        return None
    value = float(text)
    return round(value, 6) if low <= value <= high and math.isfinite(value) else None


_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_VN_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def parse_day(raw: str) -> dt.date | None:
    """The date picker sends yyyy-mm-dd; typed by hand it is dd/mm/yyyy. Years 1990–2100."""
    text = (raw or "").strip()
    try:
        if match := _ISO_DAY.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
        elif match := _VN_DAY.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
        else:
            return None
        value = dt.date(year, month, day)
    except ValueError:
        return None
    return value if 1990 <= value.year <= 2100 else None


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine) on a sphere of the Earth's mean radius."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))
