"""Photo cleaning in a helper process (app/capture/workers.py): the same result and the same
refusals as in the web process, at a lower CPU priority, and a dead helper costs one call a
thread, not an error."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from app.capture import imaging, workers
from app.settings import get_settings
from tests.capture.support import document_photo


def _nice() -> int:
    return os.nice(0)


@pytest.fixture
def settings():
    workers.shutdown()
    yield replace(get_settings(), capture_processes=1, capture_nice=5)
    workers.shutdown()


async def test_a_helper_process_cleans_the_page_as_the_web_process_would(settings):
    data = document_photo(seed=3)
    page = await workers.run(settings, imaging.process_page, data, colour=False)
    here = imaging.process_page(data, colour=False)
    assert page.jpeg == here.jpeg and page.quality == here.quality
    helper_nice = await workers.run(settings, _nice)
    assert helper_nice == os.nice(0) + 5  # the pages come first


async def test_a_refusal_comes_back_as_the_same_error(settings):
    with pytest.raises(imaging.ImageRefused) as refused:
        await workers.run(settings, imaging.process_page, b"not an image", colour=False)
    assert refused.value.message == imaging.NOT_AN_IMAGE


async def test_a_dead_helper_costs_one_call_a_thread(settings):
    await workers.run(settings, _nice)  # the pool is up
    for process in list(workers._pool._processes.values()):
        process.kill()
        process.join()
    data = document_photo(seed=4)
    page = await workers.run(settings, imaging.process_page, data, colour=False)
    assert page.jpeg == imaging.process_page(data, colour=False).jpeg
    assert await workers.run(settings, _nice) == os.nice(0) + 5  # a fresh pool afterwards


async def test_without_helpers_the_work_stays_in_a_thread(settings):
    in_thread = replace(settings, capture_processes=0)
    assert await workers.run(in_thread, _nice) == os.nice(0)
    assert await workers.run(in_thread, os.getpid) == os.getpid()
