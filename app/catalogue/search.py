"""Vietnamese-insensitive search text: fold diacritics and case so `khai sinh` finds `Khai sinh`.

The same `fold` runs on what is stored (`Procedure.search_text`) and on what is typed, so the
database only ever compares plain lower-case ASCII-like words with LIKE: identical behaviour on
SQLite and PostgreSQL, no collation or extension needed.
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_LENGTH = 100
MAX_QUERY_WORDS = 8
SEARCH_TEXT_LENGTH = 1000

_SEPARATORS = re.compile(r"[^\w.]+|_+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, punctuation to spaces (dots kept for codes)."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D").lower()
    words = (word.strip(".") for word in _SEPARATORS.sub(" ", stripped).split())
    return " ".join(word for word in words if word)


def search_text_for(*, code: str, name: str, field: str) -> str:
    """What `Procedure.search_text` holds: folded name, code and field."""
    return _SPACES.sub(" ", f"{fold(name)} {fold(code)} {fold(field)}").strip()[:SEARCH_TEXT_LENGTH]


def query_words(query: str) -> list[str]:
    """The folded words of a typed query; each must appear in a result, in any order."""
    words = fold((query or "")[:MAX_QUERY_LENGTH]).split()
    unique = list(dict.fromkeys(words))
    return unique[:MAX_QUERY_WORDS]


def rank(*, query: str, code: str, name: str) -> int:
    """Lower is better: exact code, exact name, prefix of code or name, phrase, any order."""
    folded_query = " ".join(query_words(query))
    folded_name = fold(name)
    folded_code = fold(code)
    if not folded_query:
        return 0
    if folded_query == folded_code:
        return 0
    if folded_query == folded_name:
        return 1
    if folded_code.startswith(folded_query) or folded_name.startswith(folded_query):
        return 2
    if f" {folded_query}" in f" {folded_name}":
        return 3
    return 4
