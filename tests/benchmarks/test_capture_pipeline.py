"""Page pipeline speed on a 12 MP phone photo of a document (4000x3000 JPEG, quality 90, with
sensor noise so it is not trivially compressible): `process_page` (draft-mode decode at 1/2
scale, page crop, levels, quality gate, encode within budget, thumbnail) against a naive
pipeline (full decode, Lanczos resize, the same encode) and against libjpeg-turbo's own `djpeg`
decoding the same file in full (subprocess wall time, nothing subtracted). Medians of several
runs."""

from __future__ import annotations

import io
import shutil
import statistics
import subprocess
import time

import pytest
from PIL import Image

from app.capture.imaging import naive_process, process_page
from tests.benchmarks.conftest import bench
from tests.capture.support import document_image

RUNS = 9


@pytest.fixture(scope="module")
def database():
    return None


@pytest.fixture
def clean_tables():
    return None


def _medians_ms(*runs, rounds: int = RUNS) -> list[float]:
    """Interleaved (one of each per round) so a load change hits all alike; medians."""
    times: list[list[float]] = [[] for _ in runs]
    for run in runs:
        run()  # warm up
    for _ in range(rounds):
        for run, spent in zip(runs, times, strict=True):
            start = time.perf_counter()
            run()
            spent.append((time.perf_counter() - start) * 1000)
    return [statistics.median(spent) for spent in times]


def test_capture_pipeline_speed(tmp_path):
    djpeg = shutil.which("djpeg")
    assert djpeg, "djpeg is missing: apt-get install libjpeg-turbo-progs (make bench does)"
    grey = document_image((4000, 3000))
    photo = Image.merge(
        "RGB", (grey, grey.point(lambda v: v * 97 // 100), grey.point(lambda v: v * 9 // 10))
    )
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    data = out.getvalue()
    assert 3_000_000 <= len(data) <= 5_500_000, len(data)
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)

    page = process_page(data, colour=False)
    assert page.quality.ok, page.quality
    assert max(page.width, page.height) <= 2000

    pipeline, naive, decode = _medians_ms(
        lambda: process_page(data, colour=False),
        lambda: naive_process(data),
        lambda: subprocess.run([djpeg, "-outfile", "/dev/null", str(path)], check=True),
    )
    bench("capture.pipeline_ms", pipeline, "ms")
    bench("capture.naive_ms", naive, "ms")
    bench("capture.djpeg_ms", decode, "ms")
    bench("capture.ratio_naive", pipeline / naive, "x")
    bench("capture.ratio_djpeg", pipeline / decode, "x")
    assert pipeline <= 0.45 * naive
    assert pipeline <= 1.2 * decode
