"""The page pipeline: a phone photo of a paper document in, a clean, small, metadata-free scan out.

Pure and synchronous (no HTTP, no database): the web layer calls `process_page` in a worker
thread. Steps, in the order they run:

1. Refuse before decoding what can be refused cheaply: empty files, files over
   `Limits.max_bytes`, anything that does not start like JPEG, PNG or WebP.
2. Walk the container (JPEG markers, PNG chunks, the RIFF header of WebP) to find where the image
   ends. Polyglot rule: bytes after the image are tolerated only when there are few of them
   (`TRAILER_SLACK`, phones append small maker trailers and padding) and none of them looks like
   another format (ZIP, PDF, HTML, script, executable); further JPEG streams chained after a JPEG
   (MPF previews, Ultra HDR gain maps) are walked and allowed. Everything else is refused. The
   stored scan is re-encoded from pixels with no metadata, so nothing of the original bytes
   survives anyway; the rule is there so that a file built to be two things is not accepted as
   a photo.
3. Check the declared pixel count before decoding (`Limits.max_pixels`; Pillow's decompression
   bomb warning is an error too), then decode fully: truncated files fail
   (`ImageFile.LOAD_TRUNCATED_IMAGES` stays False).
4. JPEG is decoded in draft mode (libjpeg DCT scaling: a 4000x3000 photo decodes directly at
   2000x1500, greyscale scans decode only the luma channel).
5. On small copies: find the page (light paper on a darker background) and crop to it when the
   detection is confident; measure sharpness, exposure and coverage (`Quality`); choose levels.
6. Crop, levels, EXIF orientation (applied last, on the fewest pixels), fit the long side, encode
   a baseline JPEG within `Limits.page_budget`, make a thumbnail.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFile, UnidentifiedImageError

from app.web.i18n import N_

__all__ = [
    "PROBLEMS",
    "ImageRefused",
    "Limits",
    "ProcessedPage",
    "Quality",
    "ProcessedPhoto",
    "naive_process",
    "process_page",
    "process_photo",
    "scan_colour_for",
]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 15 * 1024 * 1024  # per uploaded page (raw phone photos are 3-8 MB)
    max_pixels: int = 50_000_000  # phone cameras go to ~50 MP; above that refuse
    long_side: int = 2000  # stored scan long side (about 170 dpi on A4)
    page_budget: int = 400 * 1024  # bytes per stored page; lower quality, then scale, to fit
    thumb_long_side: int = 320


DEFAULT_LIMITS = Limits()

# Pillow's own guard agrees with ours: over max_pixels it warns (an error here), over twice that
# it refuses outright. `process_page` also compares the declared size with `limits.max_pixels`
# itself, so the guard holds even where the warning filter is reset (pytest resets it per test).
Image.MAX_IMAGE_PIXELS = DEFAULT_LIMITS.max_pixels
warnings.simplefilter("error", Image.DecompressionBombWarning)
ImageFile.LOAD_TRUNCATED_IMAGES = False

# --- messages --------------------------------------------------------------------------------

NOT_AN_IMAGE = N_("This file is not a photo (JPEG, PNG or WebP).")
EMPTY_FILE = N_("The file is empty; take the photo again.")
TOO_MANY_BYTES = N_("The photo is too large (at most 15 MB).")  # Limits().max_bytes
TOO_MANY_PIXELS = N_(
    "The photo has too many pixels; lower the camera resolution and take it again."
)
DAMAGED = N_("The photo is damaged or incomplete; take it again.")
EXTRA_DATA = N_(
    "The file holds other data besides the photo. Send the photo straight from the camera "
    "(turn off motion or live photos)."
)

PROBLEMS: dict[str, str] = {
    "blurred": N_("The photo is blurred, please take it again."),
    "too_dark": N_(
        "The photo is too dark; add light or move to a brighter place and take it again."
    ),
    "overexposed": N_(
        "The photo is washed out by light or glare; avoid direct light and the flash and take it "
        "again."
    ),
    "low_resolution": N_(
        "The photo's resolution is too low to read; use the phone's camera at full resolution."
    ),
    "page_too_small": N_("The page is too small in the photo; move closer so it fills the frame."),
}


class ImageRefused(Exception):
    """The upload is not an acceptable image; .message is an English msgid marked with N_
    (shown translated), without placeholders."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- quality thresholds (calibrated on the synthetic pages in tests/capture/test_imaging.py) ---

ANALYSIS_LONG_SIDE = 1000  # the quality gate looks at a copy about this size
DETECT_LONG_SIDE = 250  # the page finder looks at a copy about this size
MIN_FOCUS = 3.0  # Laplacian / gradient energy of the page; sharp text 4.4-7.3, blurred < 2.4
MIN_BRIGHTNESS = 80.0  # mean grey level of the page before levels
MAX_CLIPPED = 0.5  # share of the page at 250 or brighter before levels...
# ...is overexposure only when the ink washed out too: white paper photographed at 255 with
# black text on it (bright light, a camera's own "document" processing) reads perfectly.
MIN_WASHED_INK = 110  # the darkest 1% of the page is lighter than this
MIN_LONG_SIDE = 1200  # source pixels (after orientation) for a legible A4 page
MIN_COVERAGE = 0.3  # page bounding box / frame, when a page was found

CLIP_LEVEL = 250
KNEE_OUT = 240
ORIENTATION_TAG = 0x0112
TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}
QUALITY_STEPS = (75, 65, 55, 45)
STEP_SAVING = 0.88  # bytes at one step down / bytes before (75->65: 0.86, 65->55: 0.89, ...)
SCALE_STEP = 0.85
THUMB_QUALITY = 70


@dataclass(frozen=True)
class Quality:
    sharpness: float  # variance of the Laplacian (kernel 0,1,0,1,-4,1,0,1,0) of the levelled page
    brightness: float  # mean grey level of the page, 0-255, before levels
    clipped: float  # share of the page at CLIP_LEVEL or brighter, before levels
    coverage: float  # page bounding box / frame; 1.0 when no page edge was found
    width: int  # of the source after EXIF orientation
    height: int
    problems: tuple[str, ...]  # codes from PROBLEMS, empty when the page passes
    focus: float = 0.0  # sharpness / variance of the first differences: edge width, not density
    cropped: bool = False  # the scan was cropped to the page found

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def messages(self) -> tuple[str, ...]:
        """The msgids (N_) for the problems, in order."""
        return tuple(PROBLEMS[code] for code in self.problems)


@dataclass(frozen=True)
class ProcessedPage:
    jpeg: bytes  # the clean scan: no metadata at all (no EXIF/GPS/ICC/comment), baseline JPEG
    thumbnail: bytes  # JPEG, long side <= limits.thumb_long_side
    width: int
    height: int
    colour: bool  # the stored JPEG is RGB (False: greyscale), whatever was asked for a grey source
    quality: Quality
    source_format: str  # "JPEG" | "PNG" | "WEBP"


# --- container checks ----------------------------------------------------------------------------

TRAILER_SLACK = 64 * 1024
# Signatures of formats a trailer must not contain, even within the slack.
FOREIGN = re.compile(
    rb"PK\x03\x04|PK\x05\x06|%PDF-|<html|<script|<svg|<\?php|<\?xml|<!doctype|<body|<iframe"
    rb"|MZ\x90\x00|\x7fELF|Rar!\x1a|7z\xbc\xaf|#!/",
    re.IGNORECASE,
)
# The next marker after entropy-coded data: 0xFF followed by neither a stuffed zero nor RSTn.
JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _sniff(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == PNG_SIGNATURE:
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _jpeg_end(data: bytes, start: int = 0) -> int | None:
    """Offset just after the EOI of the JPEG stream starting at `start`; None if malformed."""
    if data[start : start + 2] != b"\xff\xd8":
        return None
    pos, size = start + 2, len(data)
    while pos + 2 <= size:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker == 0xD9:  # EOI
            return pos + 2
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn, TEM: no length
            pos += 2
        else:
            if pos + 4 > size:
                return None
            end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
            if end > size:
                return None
            if marker == 0xDA:  # SOS: entropy-coded data runs to the next real marker
                found = JPEG_MARKER.search(data, end)
                if found is None:
                    return None
                pos = found.start()
            else:
                pos = end
    return None


def _png_end(data: bytes) -> int | None:
    pos, size = 8, len(data)
    while pos + 12 <= size:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return pos if pos <= size else None
    return None


def _webp_end(data: bytes) -> int | None:
    if len(data) < 12:
        return None
    end = 8 + int.from_bytes(data[4:8], "little")
    end += end & 1
    return end if end <= len(data) else None


def _image_end(data: bytes, kind: str) -> int | None:
    if kind == "PNG":
        return _png_end(data)
    if kind == "WEBP":
        return _webp_end(data)
    end = _jpeg_end(data)
    # Further JPEG streams chained after the first (MPF previews, Ultra HDR gain maps).
    while end is not None and data[end : end + 3] == b"\xff\xd8\xff":
        following = _jpeg_end(data, end)
        if following is None:
            break
        end = following
    return end


def _check_container(data: bytes) -> str:
    if not data:
        raise ImageRefused(EMPTY_FILE)
    kind = _sniff(data)
    if kind is None:
        raise ImageRefused(NOT_AN_IMAGE)
    end = _image_end(data, kind)
    if end is None:
        raise ImageRefused(DAMAGED)
    trailer = len(data) - end
    if trailer > TRAILER_SLACK or (trailer and FOREIGN.search(data, end)):
        raise ImageRefused(EXTRA_DATA)
    return kind


# --- decoding --------------------------------------------------------------------------------


def _open(data: bytes, limits: Limits) -> tuple[Image.Image, str]:
    """Open and size-check the upload; it is not decoded yet."""
    if len(data) > limits.max_bytes:
        raise ImageRefused(TOO_MANY_BYTES)
    kind = _check_container(data)
    try:
        im = Image.open(io.BytesIO(data), formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(TOO_MANY_PIXELS) from None
    except UnidentifiedImageError:
        raise ImageRefused(DAMAGED) from None
    except Exception:  # noqa: BLE001 - any decoder failure means a damaged file
        raise ImageRefused(DAMAGED) from None
    width, height = im.size
    if width < 1 or height < 1:
        raise ImageRefused(DAMAGED)
    if width * height > limits.max_pixels:
        raise ImageRefused(TOO_MANY_PIXELS)
    if getattr(im, "n_frames", 1) > 1:  # an animated WebP/APNG is not a photo of a page
        raise ImageRefused(NOT_AN_IMAGE)
    return im, kind


def _load(im: Image.Image) -> None:
    try:
        im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(TOO_MANY_PIXELS) from None
    except Exception:  # noqa: BLE001 - truncated, corrupt: all "damaged"
        raise ImageRefused(DAMAGED) from None


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block only loses the orientation
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _normalise_mode(im: Image.Image, colour: bool) -> Image.Image:
    """L or RGB; transparency is flattened onto white paper."""
    if im.mode in ("L", "RGB"):
        return im
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat.alpha_composite(rgba)
        rgb = flat.convert("RGB")
        return rgb if colour else rgb.convert("L")
    if im.mode.startswith("I") or im.mode == "F":  # 16-bit greyscale PNG
        return im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    return im.convert("RGB" if colour else "L")


def _decode(
    data: bytes, colour: bool, limits: Limits
) -> tuple[Image.Image, str, int, tuple[int, int]]:
    """The decoded image (L or RGB, source orientation, long side near limits.long_side via
    DCT scaling for JPEG), its format, its EXIF orientation and the source's size."""
    im, kind = _open(data, limits)
    source_size = im.size
    if kind == "JPEG":
        width, height = im.size
        scale = min(1.0, limits.long_side / max(width, height))
        target = (max(1, int(width * scale)), max(1, int(height * scale)))
        im.draft("RGB" if colour else "L", target)
    _load(im)
    orientation = _orientation(im)
    base = _normalise_mode(im, colour)
    if not colour and base.mode != "L":
        base = base.convert("L")
    return base, kind, orientation, source_size


# --- page finding, levels and measures ---------------------------------------------------------


def _histogram_stats(hist: list[int]) -> tuple[int, float, list[int]]:
    total = sum(hist)
    mean = sum(i * n for i, n in enumerate(hist)) / total if total else 0.0
    cumulative, running = [], 0
    for n in hist:
        running += n
        cumulative.append(running)
    return total, mean, cumulative


def _percentile(cumulative: list[int], total: int, share: float) -> int:
    wanted = share * total
    for level, count in enumerate(cumulative):
        if count >= wanted:
            return level
    return 255


def _otsu(hist: list[int]) -> tuple[int, float, float, float]:
    """Otsu's threshold; also the dark and bright class means and the bright share."""
    total = sum(hist)
    sum_all = sum(i * n for i, n in enumerate(hist))
    best, threshold = -1.0, 128
    weight_dark = sum_dark = 0
    for level in range(256):
        weight_dark += hist[level]
        if weight_dark == 0:
            continue
        weight_bright = total - weight_dark
        if weight_bright == 0:
            break
        sum_dark += level * hist[level]
        mean_dark = sum_dark / weight_dark
        mean_bright = (sum_all - sum_dark) / weight_bright
        between = weight_dark * weight_bright * (mean_dark - mean_bright) ** 2
        if between > best:
            best, threshold = between, level
    dark = hist[: threshold + 1]
    n_dark = sum(dark)
    n_bright = total - n_dark
    mean_dark = sum(i * n for i, n in enumerate(dark)) / n_dark if n_dark else 0.0
    mean_bright = (sum_all - sum(i * n for i, n in enumerate(dark))) / n_bright if n_bright else 0.0
    return threshold, mean_dark, mean_bright, n_bright / total if total else 0.0


def _runs(profile: bytes, cut: float) -> tuple[int, int] | None:
    """The longest run of profile values at or above `cut`."""
    best: tuple[int, int] | None = None
    start = None
    for i, value in enumerate([*profile, -1]):
        if value >= cut and start is None:
            start = i
        elif value < cut and start is not None:
            if best is None or i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def _shifted(im: Image.Image, radius: int, pick) -> Image.Image:
    """A square max (pick=ImageChops.lighter) or min (darker) filter from shifted copies."""
    for dx, dy in ((1, 0), (0, 1)):
        for step in range(1, radius + 1):
            im = pick(
                pick(im, ImageChops.offset(im, dx * step, dy * step)),
                ImageChops.offset(im, -dx * step, -dy * step),
            )
    return im


def _find_page(tiny: Image.Image) -> tuple[tuple[float, float, float, float], float] | None:
    """The page's box as fractions of the frame and its coverage, when confident.

    Light paper on a darker background. On a small copy: a closing (max then min filter) fills
    the lines of text so the page is one light area; Otsu's threshold splits paper from desk; the
    row and column profiles of that mask (computed by resizing it to one row or column) give the
    longest light run each way. Confident only with clear contrast, a box that is mostly paper
    and an outside that is mostly not."""
    closed = _shifted(_shifted(tiny, 2, ImageChops.lighter), 2, ImageChops.darker)
    hist = closed.histogram()
    threshold, mean_dark, mean_bright, bright_share = _otsu(hist)
    if mean_bright - mean_dark < 25 or mean_bright < 1.4 * mean_dark:
        return None
    if not 0.04 <= bright_share <= 0.97:
        return None
    mask = closed.point([0] * (threshold + 1) + [255] * (255 - threshold))
    w, h = mask.size
    cols = mask.resize((w, 1), Image.Resampling.BOX).tobytes()
    rows = mask.resize((1, h), Image.Resampling.BOX).tobytes()
    x_run, y_run = _runs(cols, max(cols) * 0.5), _runs(rows, max(rows) * 0.5)
    if x_run is None or y_run is None:
        return None
    (x0, x1), (y0, y1) = x_run, y_run
    box_area = (x1 - x0) * (y1 - y0)
    if box_area < 0.02 * w * h:
        return None
    bright_inside = mask.crop((x0, y0, x1, y1)).histogram()[255]
    bright_outside = mask.histogram()[255] - bright_inside
    outside_area = w * h - box_area
    if bright_inside / box_area < 0.85:
        return None
    if outside_area and bright_outside / outside_area > 0.15:
        return None
    return (x0 / w, y0 / h, x1 / w, y1 / h), box_area / (w * h)


def _levels(hist: list[int], colour: bool) -> list[int]:
    """A lookup table stretching the page between its ink and paper levels.

    Colour: a plain autocontrast with a 0.5 % cutoff at both ends (one table for every channel,
    so hues stay). Greyscale, when the page is mostly light paper: the paper is made white and
    even with a knee. Levels from the ink up to just below the paper stretch to 0-KNEE_OUT, the
    paper's own noisy range is squeezed into KNEE_OUT-255 (no hard clip inside the noise, which
    would leave specks), and everything above the paper's median is white. A clean scan that
    also compresses well."""
    total, _mean, cumulative = _histogram_stats(hist)
    low = _percentile(cumulative, total, 0.005)
    high = _percentile(cumulative, total, 0.995)
    if not colour:
        threshold, mean_dark, mean_bright, bright_share = _otsu(hist)
        if bright_share >= 0.5 and mean_bright - mean_dark >= 40:
            paper = _percentile(cumulative, total, 1 - bright_share * 0.5)
            paper_low = _percentile(cumulative, total, 1 - bright_share * 0.95)
            # The scan has about twice the analysis copy's noise: keep the knee well below it.
            knee = max(threshold + 1, paper - max(6 * (paper - paper_low), (paper - low) // 5))
            if low < knee < paper:
                lut = []
                for v in range(256):
                    if v <= knee:
                        lut.append((v - low) * KNEE_OUT / (knee - low))
                    else:
                        lut.append(KNEE_OUT + (v - knee) * (255 - KNEE_OUT) / (paper - knee))
                return [max(0, min(255, round(v))) for v in lut]
    if high - low < 16:
        high = min(255, low + 16)
        low = max(0, high - 16)
    gain = min(255 / (high - low), 8.0)
    return [max(0, min(255, round((v - low) * gain))) for v in range(256)]


def _variance(hist: list[int]) -> float:
    total, mean, _ = _histogram_stats(hist)
    return sum(n * (i - mean) ** 2 for i, n in enumerate(hist)) / total if total else 0.0


def _edge_energies(im: Image.Image) -> tuple[float, float]:
    """The variance of the 4-neighbour Laplacian and of the first differences.

    The Laplacian is the kernel (0,1,0,1,-4,1,0,1,0) computed as (mean of the four neighbours -
    centre) with ImageChops on shifted copies: the same measure as ImageFilter.Kernel, a quarter
    of the amplitude (so it clips less), three times faster here; its variance is scaled back by
    16 to the kernel's units."""
    left, right = ImageChops.offset(im, 1, 0), ImageChops.offset(im, -1, 0)
    up, down = ImageChops.offset(im, 0, 1), ImageChops.offset(im, 0, -1)
    mean4 = Image.blend(Image.blend(left, right, 0.5), Image.blend(up, down, 0.5), 0.5)
    laplacian = _variance(ImageChops.subtract(mean4, im, 1.0, 128).histogram()) * 16
    gradient = _variance(ImageChops.subtract(im, left, 1.0, 128).histogram()) + _variance(
        ImageChops.subtract(im, up, 1.0, 128).histogram()
    )
    return laplacian, gradient


def _assess(
    base: Image.Image, orientation: int, source_size: tuple[int, int]
) -> tuple[tuple[int, int, int, int] | None, list[int], Quality, Image.Image]:
    """Find the page, measure the photo, choose the levels. Returns the crop box in `base`
    pixels (None: no crop), the levels table, the quality and the levelled analysis copy of
    the page (the greyscale thumbnail is made from it)."""
    grey = base if base.mode == "L" else None
    long_side = max(base.size)
    factor = max(1, round(long_side / ANALYSIS_LONG_SIDE))
    if grey is not None:
        analysis = grey.reduce(factor) if factor > 1 else grey
    else:
        analysis = (base.reduce(factor) if factor > 1 else base).convert("L")
    tiny_factor = max(1, round(max(analysis.size) / DETECT_LONG_SIDE))
    tiny = analysis.reduce(tiny_factor) if tiny_factor > 1 else analysis

    found = _find_page(tiny)
    box: tuple[int, int, int, int] | None = None
    page = analysis
    coverage = 1.0
    if found is not None:
        (fx0, fy0, fx1, fy1), coverage = found
        margin = 0.01
        fx0, fy0 = max(0.0, fx0 - margin), max(0.0, fy0 - margin)
        fx1, fy1 = min(1.0, fx1 + margin), min(1.0, fy1 + margin)
        if (fx1 - fx0) * (fy1 - fy0) < 0.97:
            bw, bh = base.size
            box = (round(fx0 * bw), round(fy0 * bh), round(fx1 * bw), round(fy1 * bh))
            aw, ah = analysis.size
            page = analysis.crop(
                (round(fx0 * aw), round(fy0 * ah), round(fx1 * aw), round(fy1 * ah))
            )

    hist = page.histogram()
    total, brightness, cumulative = _histogram_stats(hist)
    clipped = (total - cumulative[CLIP_LEVEL - 1]) / total if total else 0.0
    ink = _percentile(cumulative, total, 0.01)
    lut = _levels(hist, colour=base.mode == "RGB")
    levelled = page.point(lut)
    sharpness, gradient = _edge_energies(levelled)
    focus = sharpness / gradient if gradient else 0.0

    width, height = source_size
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    problems = []
    if focus < MIN_FOCUS:
        problems.append("blurred")
    if brightness < MIN_BRIGHTNESS:
        problems.append("too_dark")
    if clipped > MAX_CLIPPED and ink > MIN_WASHED_INK:
        problems.append("overexposed")
    if max(width, height) < MIN_LONG_SIDE:
        problems.append("low_resolution")
    if coverage < MIN_COVERAGE:
        problems.append("page_too_small")
    quality = Quality(
        sharpness=round(sharpness, 1),
        focus=round(focus, 3),
        brightness=round(brightness, 1),
        clipped=round(clipped, 4),
        coverage=round(coverage, 3),
        width=width,
        height=height,
        problems=tuple(problems),
        cropped=box is not None,
    )
    return box, lut, quality, levelled


# --- encoding --------------------------------------------------------------------------------


def _fit(im: Image.Image, long_side: int) -> Image.Image:
    if max(im.size) <= long_side:
        return im
    scale = long_side / max(im.size)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _jpeg(im: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    im.info = {}  # Pillow would carry a JPEG comment over from im.info
    im.save(out, "JPEG", quality=quality, progressive=False, optimize=False)
    return out.getvalue()


def _encode_within(im: Image.Image, budget: int) -> tuple[bytes, Image.Image]:
    """Quality 75, lowered in steps, then the scale, until the JPEG fits the budget.

    After the first try, steps that cannot fit are skipped: each step down saves about
    STEP_SAVING of the size (measured on text pages), so the second encode usually fits."""
    data = _jpeg(im, QUALITY_STEPS[0])
    if len(data) <= budget:
        return data, im
    expected = len(data)
    for quality in QUALITY_STEPS[1:]:
        expected *= STEP_SAVING
        if expected > budget and quality != QUALITY_STEPS[-1]:
            continue
        data = _jpeg(im, quality)
        if len(data) <= budget:
            return data, im
        expected = len(data)
    while max(im.size) > 64:
        scale = min(SCALE_STEP, 0.95 * (budget / len(data)) ** 0.5)  # bytes ~ pixels
        size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
        im = im.resize(size, Image.Resampling.BICUBIC)
        data = _jpeg(im, QUALITY_STEPS[-1])
        if len(data) <= budget:
            return data, im
    return data, im


def _thumbnail(im: Image.Image, long_side: int) -> bytes:
    factor = max(1, max(im.size) // long_side)
    small = im.reduce(factor) if factor > 1 else im.copy()
    small.thumbnail((long_side, long_side), Image.Resampling.BICUBIC)
    return _jpeg(small, THUMB_QUALITY)


def process_page(data: bytes, *, colour: bool, limits: Limits = DEFAULT_LIMITS) -> ProcessedPage:
    """Check, clean and measure one photographed page. Raises ImageRefused."""
    base, kind, orientation, source_size = _decode(data, colour, limits)
    box, lut, quality, levelled = _assess(base, orientation, source_size)
    page = base.crop(box) if box else base
    page = page.point(lut * len(page.getbands()))
    for method in TRANSPOSE.get(orientation, ()):
        page = page.transpose(method)
        levelled = levelled.transpose(method)
    page = _fit(page, limits.long_side)
    jpeg, page = _encode_within(page, limits.page_budget)
    return ProcessedPage(
        jpeg=jpeg,
        thumbnail=_thumbnail(levelled if page.mode == "L" else page, limits.thumb_long_side),
        width=page.width,
        height=page.height,
        colour=page.mode == "RGB",
        quality=quality,
        source_format=kind,
    )


@dataclass(frozen=True)
class ProcessedPhoto:
    jpeg: bytes  # colour, upright, no metadata at all, baseline JPEG within the budget
    thumbnail: bytes
    width: int
    height: int
    source_format: str


def process_photo(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> ProcessedPhoto:
    """Check and clean a photo of a scene (evidence of a spot check, not a document page): the
    same container, size and decoding checks as `process_page`, EXIF orientation applied, every
    piece of metadata dropped, fitted and re-encoded within the budget; no page finding, crop,
    levels or quality gate. Raises ImageRefused."""
    base, kind, orientation, _ = _decode(data, True, limits)
    photo = base if base.mode == "RGB" else base.convert("RGB")
    for method in TRANSPOSE.get(orientation, ()):
        photo = photo.transpose(method)
    photo = _fit(photo, limits.long_side)
    jpeg, photo = _encode_within(photo, limits.page_budget)
    return ProcessedPhoto(
        jpeg=jpeg,
        thumbnail=_thumbnail(photo, limits.thumb_long_side),
        width=photo.width,
        height=photo.height,
        source_format=kind,
    )


def naive_process(data: bytes, *, limits: Limits = DEFAULT_LIMITS, colour: bool = False) -> bytes:
    """The baseline for the benchmark: full decode, resize with a good filter, the same encode."""
    im = Image.open(io.BytesIO(data))
    im.load()
    im = im.convert("RGB")
    im = im.resize(_fitted_size(im.size, limits.long_side), Image.Resampling.LANCZOS)
    if not colour:
        im = im.convert("L")
    return _jpeg(im, QUALITY_STEPS[0])


def _fitted_size(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    scale = min(1.0, long_side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


# --- colour or greyscale per document kind ---------------------------------------------------

COLOUR_WORDS = (
    "can cuoc",
    "cccd",
    "cmnd",
    "cmtnd",
    "chung minh",
    "dinh danh",
    "ho chieu",
    "passport",
    "visa",
    "anh",
    "hinh",
    "chan dung",
    "photo",
    "ban ve",
    "so do",
    "so hong",
    "ban do",
    "map",
    "drawing",
    "giay phep lai xe",
    "bang lai",
    "driving licence",
    "driving license",
    "id card",
    "the bao hiem",
    "the can bo",
)
_COLOUR_PATTERN = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in COLOUR_WORDS) + r")\b")


def _fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.casefold().split())


def scan_colour_for(component_name: str) -> bool:
    """Colour for identity documents, photos, drawings and maps; greyscale otherwise.
    Case- and diacritic-insensitive, on whole words."""
    return bool(_COLOUR_PATTERN.search(_fold(component_name)))
