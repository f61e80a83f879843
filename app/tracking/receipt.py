"""The receipt ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"): what it says and its QR code."""

from __future__ import annotations

import segno
from markupsafe import Markup

from app.dossiers.states import S
from app.web.i18n import N_, VN_TZ

# Who citizens report overcharging to. Keep these here until the Centre confirms a hotline.
REPORT_TO = N_("Hanoi Public Administrative Service Center")
REPORT_HOTLINE = ""  # e.g. the Centre's switchboard; printed only when set

PAPER_SIZES = ("a4", "a5")


def status_url(public_base_url: str, token: str) -> str:
    """The receipt's QR link: the unguessable token only, never the code or personal data."""
    return f"{public_base_url.rstrip('/')}/theo-doi/{token}"


def qr_svg(url: str, *, title: str) -> Markup:
    """An inline SVG QR code, sized by CSS (no width/height, no style attribute: CSP)."""
    qr = segno.make(url, error="m", micro=False)
    svg = qr.svg_inline(
        border=4,  # the full quiet zone: cheap phone cameras need it
        omitsize=True,
        dark="#000",
        light="#fff",
        svgclass="receipt-qr-code",
        lineclass=None,
        title=title,
    )
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S704 - segno output, title escaped by segno


def paper_size(raw: str) -> str:
    return raw if raw in PAPER_SIZES else "a4"


def receipt_context(dossier: dict, *, public_base_url: str, size: str) -> dict:
    received_at = dossier["created_at"].astimezone(VN_TZ)
    url = status_url(public_base_url, dossier["status_token"])
    return {
        "d": dossier,
        "code": dossier["portal_code"] or dossier["reference"],
        "size": paper_size(size),
        "status_url": url,
        "lookup_url": f"{public_base_url.rstrip('/')}/tra-cuu",
        "received_day": {
            "day": f"{received_at.day:02d}",
            "month": f"{received_at.month:02d}",
            "year": str(received_at.year),
        },
        "components": [c for c in dossier["components"] if c["received"]],
        "is_submitted": dossier["status"] not in (S.draft.value, S.ready.value),
        "report_to": REPORT_TO,
        "report_hotline": REPORT_HOTLINE,
    }
