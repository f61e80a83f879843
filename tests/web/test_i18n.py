"""The Vietnamese catalogue is complete; formatting follows Vietnamese conventions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from babel.messages.extract import extract_from_dir

from app.web.i18n import format_date, format_datetime, format_money, format_number, translator

ROOT = Path(__file__).resolve().parents[2]
METHOD_MAP = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def test_every_ui_string_has_a_vietnamese_translation():
    vi = translator("vi")
    missing = []
    for filename, _lineno, message, _comments, _ctx in extract_from_dir(
        str(ROOT), METHOD_MAP, OPTIONS, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if isinstance(message, tuple):
            ok = vi.ngettext(message[0], message[1], 1) != message[0]
        else:
            ok = vi.gettext(msgid) != msgid
        if not ok:
            missing.append(f"{filename}: {msgid}")
    assert not missing, "untranslated (run `make messages`):\n" + "\n".join(missing)


def test_vietnamese_formats():
    moment = dt.datetime(2025, 2, 5, 1, 30, tzinfo=dt.UTC)  # 08:30 in Hanoi
    assert format_date(moment) == "05/02/2025"
    assert format_datetime(moment) == "08:30 05/02/2025"
    assert format_date(dt.date(2025, 12, 31)) == "31/12/2025"
    assert format_number(1234567) == "1.234.567"
    assert format_number(Decimal("1234.5"), 1) == "1.234,5"
    assert format_money(1234567) == "1.234.567 ₫"
    assert format_money(0) == "0 ₫"
