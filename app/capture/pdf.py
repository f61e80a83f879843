"""A small PDF 1.4 writer: one A4 portrait page per stored JPEG, bound into one document.

Each JPEG is embedded as it is (`/Filter /DCTDecode`, no re-encoding), scaled to fit within
10 mm margins keeping its aspect ratio and centred; the page's rotation is applied by the content
stream's transformation matrix, so rotating is lossless. Only when the document is over its byte
budget are the pages re-encoded: lower JPEG quality first, then a smaller scale, down to a floor.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

__all__ = ["A4", "PdfPage", "PdfTooLarge", "build_pdf"]

A4 = (595.28, 841.89)  # points, portrait
MARGIN = 28.35  # 10 mm
PRODUCER = "DVC agents document capture"
# Re-encoding steps when over budget: (JPEG quality, long side or None for as stored).
REENCODE_STEPS = (
    (70, None),
    (55, None),
    (40, None),
    (40, 1600),
    (40, 1350),
    (40, 1100),
)


class PdfTooLarge(Exception):
    """The pages cannot fit the budget even at the lowest quality and scale allowed."""


@dataclass(frozen=True)
class PdfPage:
    jpeg: bytes
    width: int
    height: int
    colour: bool
    rotation: int = 0  # 0/90/180/270 clockwise, applied losslessly in the PDF


def build_pdf(pages: list[PdfPage], *, budget_bytes: int, title: str = "") -> bytes:
    """One A4 page per image. Raises PdfTooLarge when it cannot fit `budget_bytes`."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    for page in pages:
        if page.rotation % 360 not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be a multiple of 90, not {page.rotation}")
    pdf = _write(pages, title)
    if len(pdf) <= budget_bytes:
        return pdf
    for quality, long_side in REENCODE_STEPS:
        smaller = [_reencode(page, quality, long_side) for page in pages]
        pdf = _write(smaller, title)
        if len(pdf) <= budget_bytes:
            return pdf
    raise PdfTooLarge(f"{len(pdf)} bytes at the floor, budget {budget_bytes}")


def _reencode(page: PdfPage, quality: int, long_side: int | None) -> PdfPage:
    im = Image.open(io.BytesIO(page.jpeg))
    mode = "RGB" if page.colour else "L"
    if long_side and max(im.size) > long_side:
        scale = long_side / max(im.size)
        size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
        im.draft(mode, size)
        im = im.convert(mode)
        if max(im.size) > long_side:
            im = im.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    else:
        im = im.convert(mode)
    out = io.BytesIO()
    im.info = {}
    im.save(out, "JPEG", quality=quality, progressive=False)
    return PdfPage(out.getvalue(), im.width, im.height, page.colour, page.rotation)


def _placement(page: PdfPage) -> str:
    """The `cm` operands mapping the image's unit square onto the page, rotated clockwise."""
    rotation = page.rotation % 360
    shown_w, shown_h = (
        (page.height, page.width) if rotation in (90, 270) else (page.width, page.height)
    )
    box_w, box_h = A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN
    scale = min(box_w / shown_w, box_h / shown_h)
    w, h = shown_w * scale, shown_h * scale  # as shown on the page
    x, y = (A4[0] - w) / 2, (A4[1] - h) / 2
    if rotation == 0:
        matrix = (w, 0, 0, h, x, y)
    elif rotation == 90:  # the image's top edge goes to the right
        matrix = (0, -h, w, 0, x, y + h)
    elif rotation == 180:
        matrix = (-w, 0, 0, -h, x + w, y + h)
    else:  # 270: the image's top edge goes to the left
        matrix = (0, h, -w, 0, x + w, y)
    return " ".join(_num(v) for v in matrix)


def _num(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _text_string(text: str) -> bytes:
    """A PDF text string: literal when printable ASCII, else UTF-16BE with a BOM, in hex."""
    if all(32 <= ord(ch) < 127 for ch in text):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("ascii") + b")"
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _write(pages: list[PdfPage], title: str) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []

    def add(body: bytes) -> None:
        offsets.append(len(out))
        out.extend(b"%d 0 obj\n" % len(offsets))
        out.extend(body)
        out.extend(b"\nendobj\n")

    # Objects: 1 catalog, 2 page tree, 3 info, then per page: page, content, image.
    first = 4
    kids = b" ".join(b"%d 0 R" % (first + 3 * i) for i in range(len(pages)))
    add(b"<< /Type /Catalog /Pages 2 0 R >>")
    add(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(pages))
    info = b"<< /Producer " + _text_string(PRODUCER)
    if title:
        info += b" /Title " + _text_string(title)
    add(info + b" >>")
    media = f"[0 0 {_num(A4[0])} {_num(A4[1])}]".encode()
    for i, page in enumerate(pages):
        page_id = first + 3 * i
        content = f"q {_placement(page)} cm /Im0 Do Q".encode()
        add(
            b"<< /Type /Page /Parent 2 0 R /MediaBox " + media
            + b" /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
            % (page_id + 2, page_id + 1)
        )  # fmt: skip
        add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        space = b"/DeviceRGB" if page.colour else b"/DeviceGray"
        add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s"
            b" /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
            % (page.width, page.height, space, len(page.jpeg))
            + page.jpeg
            + b"\nendstream"
        )
    xref = len(out)
    out.extend(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
    for offset in offsets:
        out.extend(b"%010d 00000 n \n" % offset)
    out.extend(
        b"trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(offsets) + 1, xref)
    )
    return bytes(out)
