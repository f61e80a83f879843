"""The PDF writer: structure checked without dependencies, then rendered with poppler if present."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from PIL import Image, ImageDraw, ImageStat

from app.capture.pdf import A4, PdfPage, PdfTooLarge, build_pdf

PAGE_OBJECT = re.compile(rb"/Type /Page\b(?!s)")


@pytest.fixture(scope="module")
def database():
    """No database here (overrides the suite's session fixture for this module)."""
    return None


@pytest.fixture
def clean_tables():
    return None


def _jpeg(size=(1200, 900), colour=False, noise=0.0, quality=85) -> bytes:
    """A landscape page with a black marker in its top-left corner."""
    im = Image.new("L", size, 235)
    if noise:
        im = Image.effect_noise(size, noise).point(lambda v: min(255, v + 100))
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, size[0] // 5, size[1] // 5), fill=0)
    for y in range(size[1] // 4, size[1], 40):
        draw.line((60, y, size[0] - 60, y), fill=40, width=6)
    if colour:
        im = im.convert("RGB")
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _page(rotation=0, colour=False, **kwargs) -> PdfPage:
    data = _jpeg(colour=colour, **kwargs)
    width, height = Image.open(io.BytesIO(data)).size
    return PdfPage(data, width, height, colour, rotation)


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {
        int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj\n(.*?)\nendobj", pdf, re.S)
    }


def test_structure_page_count_size_and_xref():
    pages = [_page(), _page(colour=True), _page(90)]
    pdf = build_pdf(pages, budget_bytes=10_000_000, title="Hồ sơ 2025/001")
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    assert len(PAGE_OBJECT.findall(pdf)) == 3
    assert b"/Count 3" in pdf
    assert pdf.count(b"/MediaBox [0 0 595.28 841.89]") == 3
    assert pdf.count(b"/Filter /DCTDecode") == 3
    assert pdf.count(b"/ColorSpace /DeviceGray") == 2 and pdf.count(b"/ColorSpace /DeviceRGB") == 1
    for page in pages:  # embedded as they are
        assert page.jpeg in pdf
    # Every xref entry points at its object.
    start = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))
    assert pdf[start:].startswith(b"xref\n")
    entries = re.findall(rb"(\d{10}) 00000 n ", pdf[start:])
    assert len(entries) == len(_objects(pdf))
    for number, offset in enumerate(entries, start=1):
        assert pdf[int(offset) :].startswith(b"%d 0 obj" % number)
    # Stream lengths are exact.
    for match in re.finditer(rb"/Length (\d+) >>\nstream\n", pdf):
        end = match.end() + int(match.group(1))
        assert pdf[end : end + 10] == b"\nendstream"


def test_title_in_utf16_and_ascii():
    pdf = build_pdf([_page()], budget_bytes=10**7, title="Hồ sơ")
    assert b"/Title <FEFF" + "Hồ sơ".encode("utf-16-be").hex().upper().encode() + b">" in pdf
    pdf = build_pdf([_page()], budget_bytes=10**7, title="Dossier (1)")
    assert rb"/Title (Dossier \(1\))" in pdf
    assert b"/Producer (" in pdf


def test_images_fit_within_margins_and_rotation_matrix():
    landscape = _page()  # 1200 x 900
    pdf = build_pdf([landscape, _page(90), _page(180), _page(270)], budget_bytes=10**7)
    matrices = [
        [float(v) for v in m.groups()]
        for m in re.finditer(rb"q (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) cm /Im0 Do Q", pdf)
    ]
    assert len(matrices) == 4
    for a, b, c, d, e, f in matrices:
        corners = [(e + a * u + c * v, f + b * u + d * v) for u in (0, 1) for v in (0, 1)]
        xs, ys = [x for x, _ in corners], [y for _, y in corners]
        assert min(xs) >= 28 and max(xs) <= A4[0] - 28 and min(ys) >= 28 and max(ys) <= A4[1] - 28
        assert abs((min(xs) + max(xs)) / 2 - A4[0] / 2) < 0.01  # centred
        assert abs((min(ys) + max(ys)) / 2 - A4[1] / 2) < 0.01
    # Turned a quarter, the landscape photo fills the portrait page's height.
    (a0, _, _, d0, _, _), (_, b1, c1, _, _, _) = matrices[0], matrices[1]
    assert abs(c1 - a0) < 0.01 and abs(b1) > 1.7 * d0  # same width, (4/3)^2 times the height


def test_budget_reencodes_then_refuses():
    pages = [_page(noise=40, quality=95, size=(2000, 1500)) for _ in range(3)]
    full = build_pdf(pages, budget_bytes=10**8)
    budget = len(full) // 3
    smaller = build_pdf(pages, budget_bytes=budget)
    assert len(smaller) <= budget
    assert len(PAGE_OBJECT.findall(smaller)) == 3
    with pytest.raises(PdfTooLarge):
        build_pdf(pages, budget_bytes=20_000)


def test_bad_rotation_and_no_pages():
    with pytest.raises(ValueError):
        build_pdf([_page(45)], budget_bytes=10**7)
    with pytest.raises(ValueError):
        build_pdf([], budget_bytes=10**7)


def _marker_corner(im: Image.Image) -> str:
    w, h = im.size
    # The drawn image inside the margins: compare the four corners of its bounding box.
    box = Image.eval(im.convert("L"), lambda v: 255 if v < 250 else 0).getbbox()
    x0, y0, x1, y1 = box
    cw, ch = (x1 - x0) // 6, (y1 - y0) // 6
    corners = {
        "top-left": (x0, y0),
        "top-right": (x1 - cw, y0),
        "bottom-left": (x0, y1 - ch),
        "bottom-right": (x1 - cw, y1 - ch),
    }
    means = {
        k: ImageStat.Stat(im.convert("L").crop((x, y, x + cw, y + ch))).mean[0]
        for k, (x, y) in corners.items()
    }
    return min(means, key=means.get)


def test_rendered_by_poppler(tmp_path):
    pdfinfo, pdftoppm = shutil.which("pdfinfo"), shutil.which("pdftoppm")
    if not (pdfinfo and pdftoppm):
        print("SKIPPED: poppler-utils (pdfinfo, pdftoppm) not installed")
        pytest.skip("poppler-utils (pdfinfo, pdftoppm) not installed")
    pages = [_page(0), _page(90), _page(180), _page(270, colour=True)]
    path = tmp_path / "dossier.pdf"
    path.write_bytes(build_pdf(pages, budget_bytes=10**7, title="Hồ sơ số 7"))
    info = subprocess.run([pdfinfo, str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+4$", info.stdout, re.M)
    assert "595.28 x 841.89 pts (A4)" in info.stdout
    assert re.search(r"^Title:\s+Hồ sơ số 7$", info.stdout, re.M)
    subprocess.run([pdftoppm, "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True)
    rendered = sorted(tmp_path.glob("p-*.png"))
    assert len(rendered) == 4
    expected = ["top-left", "top-right", "bottom-right", "bottom-left"]  # turned clockwise
    for png, corner in zip(rendered, expected, strict=True):
        im = Image.open(png)
        assert im.height > im.width  # portrait A4
        assert _marker_corner(im) == corner, png.name
