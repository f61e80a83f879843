"""Reads of the administrative units, always as of a given day (units have validity dates)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from app.territory.tables import AdminUnit, UnitKind

UNIT_COLUMNS = (
    AdminUnit.code,
    AdminUnit.name,
    AdminUnit.kind,
    AdminUnit.is_outer,
    AdminUnit.valid_from,
    AdminUnit.valid_to,
)
KIND_ORDER = {
    UnitKind.urban_district.value: 0,
    UnitKind.town.value: 1,
    UnitKind.rural_district.value: 2,
    UnitKind.ward.value: 3,
    UnitKind.township.value: 4,
    UnitKind.commune.value: 5,
}
KIND_PREFIXES = ("Thị xã ", "Thị trấn ", "Quận ", "Huyện ", "Phường ", "Xã ")

# Vietnamese alphabetical order, syllable by syllable: a ă â b c d đ e ê g h i k l m n o ô ơ p q r
# s t u ư v x y; within a syllable the tone decides last (none, grave, hook, tilde, acute, dot
# below), so "Ba Vì" < "Bà Triệu" < "Bạch Mai".
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: i for i, letter in enumerate(_ALPHABET)}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _syllable_key(syllable: str) -> tuple[tuple[int, ...], int]:
    letters: list[str] = []
    tone = 0
    for char in unicodedata.normalize("NFD", syllable):
        if char in _TONES:
            tone = _TONES[char]
        elif unicodedata.combining(char) and letters:  # breve, circumflex, horn: a new letter
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + char)
        else:
            letters.append(char)
    ranks = tuple(_LETTER_RANK.get(c, len(_ALPHABET) + ord(c)) for c in letters)
    return ranks, tone


@lru_cache(maxsize=4096)
def vietnamese_sort_key(text: str) -> tuple:
    """Cached: every intake form sorts the same 126 unit names (a few % of a busy server's
    time, found under load); the names are few and never change meaning."""
    return tuple(_syllable_key(word) for word in text.casefold().split())


def short_name(name: str) -> str:
    """'Phường Hoàn Kiếm' → 'Hoàn Kiếm'."""
    for prefix in KIND_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _sort_key(row: dict) -> tuple:
    return KIND_ORDER.get(row["kind"], 9), vietnamese_sort_key(short_name(row["name"]))


def _valid_on(day: dt.date):
    return (AdminUnit.valid_from.is_null() | (AdminUnit.valid_from <= day)) & (
        AdminUnit.valid_to.is_null() | (AdminUnit.valid_to >= day)
    )


async def units_valid_on(
    day: dt.date,
    kind: str | UnitKind | Iterable[str | UnitKind] | None = None,
    parent: str | None = None,
) -> list[dict]:
    """Units that existed on `day`, optionally of one kind (or several) and under the unit
    whose code is `parent`; ordered by kind, then by name in Vietnamese alphabetical order."""
    query = AdminUnit.select(*UNIT_COLUMNS).where(_valid_on(day))
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        query = query.where(AdminUnit.kind.is_in([UnitKind(k).value for k in kinds]))
    if parent is not None:
        query = query.where(AdminUnit.parent.code == parent)
    return sorted(await query, key=_sort_key)


async def district_choices(day: dt.date) -> list[dict]:
    """The units an address form offers for a day: the top level under the city. Until
    30 Jun 2025 the 30 districts and the town; from 1 Jul 2025 the 126 wards and communes."""
    query = AdminUnit.select(*UNIT_COLUMNS).where(_valid_on(day) & AdminUnit.parent.is_null())
    return sorted(await query, key=_sort_key)


async def unit_name(code: str) -> str | None:
    """The name of the unit with this code, whatever its dates (old dossiers keep old names)."""
    row = await AdminUnit.select(AdminUnit.name).where(AdminUnit.code == code).first()
    return row["name"] if row else None


async def unit_names(codes: Iterable[str]) -> dict[str, str]:
    """Names of several units in one query, for lists."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    rows = await AdminUnit.select(AdminUnit.code, AdminUnit.name).where(
        AdminUnit.code.is_in(wanted)
    )
    return {row["code"]: row["name"] for row in rows}


async def is_valid_unit(code: str, day: dt.date) -> bool:
    """Whether a unit with this code existed on `day`."""
    if not code:
        return False
    return await AdminUnit.exists().where((AdminUnit.code == code) & _valid_on(day))
