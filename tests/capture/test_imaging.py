"""The page pipeline: refusals, orientation, metadata, the quality gate, budget and thumbnail.

Every image is made here with Pillow: a "document photo" is a light page with lines of black
text at a realistic size (about 11 pt on A4) on a darker desk, with a little sensor noise."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageStat

from app.capture import imaging
from app.capture.imaging import (
    PROBLEMS,
    ImageRefused,
    Limits,
    naive_process,
    process_page,
    scan_colour_for,
)
from tests.capture.support import document_image


@pytest.fixture(scope="module")
def database():
    """Pure image code: no database (overrides the suite's session fixture for this module)."""
    return None


@pytest.fixture
def clean_tables():
    return None


def encode(im: Image.Image, fmt: str = "JPEG", **params) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        params.setdefault("quality", 90)
    im.save(out, fmt, **params)
    return out.getvalue()


def refused(data: bytes, **kwargs) -> str:
    with pytest.raises(ImageRefused) as caught:
        process_page(data, colour=kwargs.pop("colour", False), **kwargs)
    return caught.value.message


@pytest.fixture(scope="module")
def big() -> Image.Image:
    return document_image((4000, 3000))


@pytest.fixture(scope="module")
def small(big) -> Image.Image:
    return document_image((2000, 1500), seed=2)


@pytest.fixture(scope="module")
def big_jpeg(big) -> bytes:
    return encode(big)


@pytest.fixture(scope="module")
def small_jpeg(small) -> bytes:
    return encode(small)


# --- refusals ----------------------------------------------------------------------------------


def test_zero_bytes():
    assert refused(b"") == imaging.EMPTY_FILE


def test_corrupt_jpeg(small_jpeg):
    header = small_jpeg[:600]
    assert refused(header + bytes(random.Random(3).randbytes(50_000))) == imaging.DAMAGED
    damaged = bytearray(small_jpeg)
    damaged[100:300] = b"\x00" * 200  # inside the tables
    assert refused(bytes(damaged)) == imaging.DAMAGED


def test_corrupt_png(small):
    data = bytearray(encode(small.reduce(4), "PNG"))
    data[200:2000] = b"\x55" * 1800
    assert refused(bytes(data)) == imaging.DAMAGED


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999])
def test_truncated(small_jpeg, keep):
    assert refused(small_jpeg[: int(len(small_jpeg) * keep)]) == imaging.DAMAGED


def test_truncated_png_and_webp(small):
    png = encode(small.reduce(2), "PNG")
    webp = encode(small.reduce(2), "WEBP", quality=80)
    assert refused(png[: len(png) // 2]) == imaging.DAMAGED
    assert refused(webp[: len(webp) // 2]) == imaging.DAMAGED


def _zip_payload(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("payload.html", random.Random(4).randbytes(size))
    return out.getvalue()


def test_polyglot_image_with_zip_appended(small_jpeg):
    data = small_jpeg + _zip_payload(200_000)
    assert zipfile.is_zipfile(io.BytesIO(data))  # a valid ZIP and a decodable JPEG
    Image.open(io.BytesIO(data)).load()
    assert refused(data) == imaging.EXTRA_DATA


def test_polyglot_small_foreign_trailers(small, small_jpeg):
    png = encode(small.reduce(2), "PNG")
    assert refused(png + b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n") == imaging.EXTRA_DATA
    assert refused(small_jpeg + b"<html><script>alert(1)</script></html>") == imaging.EXTRA_DATA
    assert refused(small_jpeg + _zip_payload(2_000)) == imaging.EXTRA_DATA
    webp = encode(small.reduce(2), "WEBP", quality=80)
    assert refused(webp + b"x" * 100_000) == imaging.EXTRA_DATA


def test_polyglot_foreign_file_with_an_image_header():
    html = b"\x89PNG\r\n\x1a\n<html><body><script>alert(1)</script></body></html>"
    assert refused(html) == imaging.DAMAGED
    pdf = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00%PDF-1.4 1 0 obj<<>>endobj trailer<<>>%%EOF"
    assert refused(pdf) == imaging.DAMAGED


def test_harmless_trailers_are_accepted(small, small_jpeg):
    # A few bytes of padding, and JPEG streams chained after the image (MPF previews, gain maps).
    assert process_page(small_jpeg + b"\x00" * 512, colour=False).source_format == "JPEG"
    chained = small_jpeg + encode(small.reduce(8), quality=70)
    assert process_page(chained, colour=False).source_format == "JPEG"


def test_too_many_bytes_is_checked_before_decoding():
    limits = Limits(max_bytes=10_000)
    message = refused(b"\xff\xd8\xff" + b"\x00" * 10_000, limits=limits)
    assert message == imaging.TOO_MANY_BYTES
    assert refused(b"x" * (Limits().max_bytes + 1)) == "The photo is too large (at most 15 MB)."
    assert Limits().max_bytes == 15 * 1024 * 1024


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_decompression_bombs():
    assert refused(_png_header_only(100_000, 100_000)) == imaging.TOO_MANY_PIXELS
    real = encode(Image.new("1", (8000, 7000)), "PNG")  # 56 MP, a few kB
    assert len(real) < 50_000
    assert refused(real) == imaging.TOO_MANY_PIXELS
    assert Image.MAX_IMAGE_PIXELS == Limits().max_pixels


def test_max_pixels_from_limits(small_jpeg):
    assert refused(small_jpeg, limits=Limits(max_pixels=1_000_000)) == imaging.TOO_MANY_PIXELS


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_wrong_image_types(small, fmt):
    assert refused(encode(small.reduce(4), fmt)) == imaging.NOT_AN_IMAGE


def test_text_and_svg_are_not_photos():
    assert refused(b"just some text, saved as scan.jpg\n") == imaging.NOT_AN_IMAGE
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    assert refused(svg) == imaging.NOT_AN_IMAGE


# --- orientation, metadata, format ---------------------------------------------------------------


@pytest.fixture(scope="module")
def upright() -> Image.Image:
    """A portrait page filling the frame, with a black square in its top-left corner."""
    page = document_image((1414, 2000), page_share=1.0, seed=5)
    ImageDraw.Draw(page).rectangle((40, 40, 340, 340), fill=0)
    return page


def _marker_corner(jpeg: bytes) -> str:
    im = Image.open(io.BytesIO(jpeg)).convert("L")
    w, h = im.size
    corners = {
        "top-left": (0, 0),
        "top-right": (w - w // 8, 0),
        "bottom-left": (0, h - h // 8),
        "bottom-right": (w - w // 8, h - h // 8),
    }
    means = {
        name: ImageStat.Stat(im.crop((x, y, x + w // 8, y + h // 8))).mean[0]
        for name, (x, y) in corners.items()
    }
    return min(means, key=means.get)


@pytest.mark.parametrize(
    ("orientation", "stored_as"),
    [(1, None), (3, Image.Transpose.ROTATE_180), (6, Image.Transpose.ROTATE_90),
     (8, Image.Transpose.ROTATE_270)],
)  # fmt: skip
def test_exif_orientation_comes_out_upright(upright, orientation, stored_as):
    stored = upright.transpose(stored_as) if stored_as else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    page = process_page(encode(stored, exif=exif.tobytes()), colour=False)
    assert page.height > page.width  # portrait, as the page was
    assert (page.quality.width, page.quality.height) == upright.size
    assert _marker_corner(page.jpeg) == "top-left"
    assert _marker_corner(page.thumbnail) == "top-left"


def _markers(jpeg: bytes) -> list[int]:
    """The marker codes before the first scan."""
    found, pos = [], 2
    while pos < len(jpeg):
        marker = jpeg[pos + 1]
        found.append(marker)
        if marker == 0xDA:
            break
        pos += 2 + int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
    return found


def test_metadata_is_stripped(small):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0132] = "2025:02:05 08:30:00"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (21.0, 1.0, 42.0), "E", (105.0, 51.0, 15.0)
    icc = b"\x00" * 128 + b"fake icc profile"  # carried as an opaque APP2 segment
    rgb = small.convert("RGB")
    data = encode(rgb, exif=exif.tobytes(), icc_profile=icc, comment=b"secret comment")
    source = Image.open(io.BytesIO(data))
    assert {"exif", "icc_profile", "comment"} <= set(source.info)
    for colour in (False, True):
        page = process_page(data, colour=colour)
        for jpeg in (page.jpeg, page.thumbnail):
            out = Image.open(io.BytesIO(jpeg))
            assert not {"exif", "icc_profile", "comment", "xmp"} & set(out.info)
            assert not out.getexif()
            assert set(_markers(jpeg)) <= {0xE0, 0xDB, 0xC0, 0xC4, 0xDA}  # JFIF, tables, baseline
            assert b"PhoneMaker" not in jpeg and b"secret" not in jpeg


def test_colour_and_greyscale_output(small):
    data = encode(small.convert("RGB"))
    assert Image.open(io.BytesIO(process_page(data, colour=False).jpeg)).mode == "L"
    colour = process_page(data, colour=True)
    assert colour.colour and Image.open(io.BytesIO(colour.jpeg)).mode == "RGB"
    grey_source = process_page(encode(small), colour=True)
    assert not grey_source.colour  # a greyscale source stays greyscale


def test_png_with_alpha_and_webp(small):
    rgba = small.reduce(2).convert("RGBA")
    rgba.putalpha(200)
    page = process_page(encode(rgba, "PNG"), colour=True)
    assert page.source_format == "PNG"
    webp = process_page(encode(small.convert("RGB"), "WEBP", quality=85, method=0), colour=False)
    assert webp.source_format == "WEBP"
    assert webp.quality.ok, webp.quality


def test_sixteen_bit_png(small):
    wide = small.reduce(2).point(lambda v: v * 257, "I").convert("I;16")
    page = process_page(encode(wide, "PNG"), colour=False)
    assert page.source_format == "PNG"


# --- the quality gate ----------------------------------------------------------------------------


def _quality(im: Image.Image, quality: int = 90):
    return process_page(encode(im, quality=quality), colour=False).quality


def test_sharp_pages_pass(big_jpeg, small_jpeg, big):
    for data in (big_jpeg, small_jpeg):
        q = process_page(data, colour=False).quality
        assert q.ok, q
        assert q.cropped and 0.7 < q.coverage < 0.9
    # Already downscaled on the phone: long side 2000, quality 0.8.
    assert _quality(big.resize((2000, 1500), Image.Resampling.BILINEAR), 80).ok
    assert process_page(encode(big.convert("RGB")), colour=True).quality.ok


def test_blurred(big, small):
    q = _quality(big.filter(ImageFilter.GaussianBlur(4)))
    assert q.problems == ("blurred",), q
    q = _quality(small.filter(ImageFilter.GaussianBlur(3)))
    assert q.problems == ("blurred",), q


def test_too_dark(small):
    q = _quality(ImageEnhance.Brightness(small).enhance(0.25))
    assert q.problems == ("too_dark",), q


def test_overexposed(small):
    """Blown out: the paper clips and the text fades to light grey."""
    washed = ImageEnhance.Brightness(ImageEnhance.Contrast(small).enhance(0.3)).enhance(1.5)
    q = _quality(washed)
    assert q.problems == ("overexposed",), q


def test_white_paper_at_full_white_with_black_text_is_fine(small):
    """Paper clipped to 255 (bright light, a camera's document mode) with black ink reads
    perfectly: not overexposed."""
    q = _quality(ImageEnhance.Brightness(small).enhance(1.6))
    assert q.clipped > 0.5 and q.problems == (), q


def test_page_too_small():
    q = _quality(document_image((2000, 1500), page_share=0.45, seed=6))
    assert q.problems == ("page_too_small",), q


def test_low_resolution():
    q = _quality(document_image((800, 600), seed=7))
    assert q.problems == ("low_resolution",), q
    assert (q.width, q.height) == (800, 600)


def test_problem_messages_say_what_to_do():
    assert set(PROBLEMS) == {"blurred", "too_dark", "overexposed", "low_resolution",
                             "page_too_small"}  # fmt: skip
    assert PROBLEMS["blurred"] == "The photo is blurred, please take it again."
    for message in PROBLEMS.values():
        assert "take it again" in message or "use" in message or "move" in message


# --- size ----------------------------------------------------------------------------------------


def test_default_output_size_budget_and_thumbnail(big_jpeg):
    page = process_page(big_jpeg, colour=False)
    assert max(page.width, page.height) <= 2000
    assert len(page.jpeg) <= Limits().page_budget
    assert Image.open(io.BytesIO(page.jpeg)).size == (page.width, page.height)
    thumb = Image.open(io.BytesIO(page.thumbnail))
    assert max(thumb.size) <= 320 and max(thumb.size) >= 300


def test_tight_budget_lowers_quality_then_scale(small_jpeg):
    page = process_page(small_jpeg, colour=True, limits=Limits(page_budget=60_000))
    assert len(page.jpeg) <= 60_000
    assert max(page.width, page.height) < 1900  # had to scale down too


def test_long_side_limit(big_jpeg):
    page = process_page(big_jpeg, colour=False, limits=Limits(long_side=1000, thumb_long_side=100))
    assert max(page.width, page.height) <= 1000
    assert max(Image.open(io.BytesIO(page.thumbnail)).size) <= 100


def test_naive_process_matches_in_size(small_jpeg):
    out = Image.open(io.BytesIO(naive_process(small_jpeg)))
    assert max(out.size) == 2000 and out.mode == "L"


# --- colour per document kind --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Căn cước công dân", "CCCD của người yêu cầu", "Bản sao giấy CHỨNG MINH nhân dân",
     "Hộ chiếu", "ho chieu", "Ảnh 4x6", "Bản vẽ thiết kế", "Sơ đồ thửa đất", "Bản đồ vị trí",
     "Giấy phép lái xe", "GIAY PHEP LAI XE"],
)  # fmt: skip
def test_colour_documents(name):
    assert scan_colour_for(name)


@pytest.mark.parametrize(
    "name",
    ["Tờ khai đăng ký khai sinh", "Đơn đề nghị", "Giấy xác nhận tình trạng hôn nhân",
     "Danh sách thành viên", "Hợp đồng thuê nhà", ""],
)  # fmt: skip
def test_greyscale_documents(name):
    assert not scan_colour_for(name)
