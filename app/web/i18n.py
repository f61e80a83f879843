"""Translation catalogue (msgids in English, Vietnamese first) and Vietnamese formatting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po
from jinja2 import pass_context

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LOCALE_COOKIE = "lang"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    return message


class Translator:
    """Looks msgids up in one locale's catalogue; English falls back to the msgid itself."""

    def __init__(self, locale: str, messages: dict[str, str | tuple[str, ...]]) -> None:
        self.locale = locale
        self._messages = messages

    def gettext(self, message: str) -> str:
        found = self._messages.get(message)
        return found if isinstance(found, str) and found else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._messages.get(singular)
        if isinstance(found, tuple) and found and found[0]:
            return found[0]  # Vietnamese has one plural form
        return singular if n == 1 else plural


def catalogue_paths(locale: str) -> list[Path]:
    """One catalogue per feature (messages.po holds the shared strings), merged at load."""
    return sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po"))


@lru_cache(maxsize=len(LOCALES))
def translator(locale: str) -> Translator:
    messages: dict[str, str | tuple[str, ...]] = {}
    for path in catalogue_paths(locale):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            value = message.string
            messages[key] = tuple(value) if isinstance(value, (list, tuple)) else value
    return Translator(locale, messages)


def negotiate_locale(cookie_value: str | None) -> str:
    return cookie_value if cookie_value in LOCALES else DEFAULT_LOCALE


def request_locale(request) -> str:
    state = request.scope.setdefault("state", {})
    locale = state.get("locale")
    if locale is None:
        locale = state["locale"] = negotiate_locale(request.cookies.get(LOCALE_COOKIE))
    return locale


def _context_translator(context) -> Translator:
    request = context.get("request")
    return translator(request_locale(request) if request is not None else DEFAULT_LOCALE)


@pass_context
def ctx_gettext(context, message: str) -> str:
    return _context_translator(context).gettext(message)


@pass_context
def ctx_ngettext(context, singular: str, plural: str, n: int) -> str:
    return _context_translator(context).ngettext(singular, plural, n)


def _as_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(VN_TZ)


def format_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _as_local(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = _as_local(value)
    return f"{local.hour:02d}:{local.minute:02d} {format_date(local)}"


def format_number(value: int | float | Decimal | None, decimals: int = 0) -> str:
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_money(value: int | float | Decimal | None) -> str:
    if value is None:
        return ""
    return f"{format_number(value)} ₫"
