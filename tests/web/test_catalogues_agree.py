"""The per-feature Vietnamese catalogues agree with each other: they are merged into one
dictionary at load, so a msgid translated differently in two files would change one page's
words depending on which file is read last."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from app.web.i18n import LOCALES_DIR


def _messages(path: Path) -> dict[str, object]:
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="vi")
    return {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog if m.id}


def test_no_two_catalogues_translate_a_msgid_differently():
    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for path in sorted((LOCALES_DIR / "vi" / "LC_MESSAGES").glob("*.po")):
        for msgid, text in _messages(path).items():
            if msgid in seen and seen[msgid][1] != text:
                clashes.append(
                    f"{msgid!r}: {seen[msgid][0]} {seen[msgid][1]!r}, {path.name} {text!r}"
                )
            seen.setdefault(msgid, (path.name, text))
    assert not clashes, "\n".join(clashes)
