"""Helpers for the spot-check tests: a scene photo, a supervisor at a point, a started check."""

from __future__ import annotations

import io
import random
import uuid

from PIL import Image, ImageDraw

from tests import factories

CHECKS = "/giam-sat/kiem-tra"


def scene_photo(size: tuple[int, int] = (1600, 1200), *, seed: int = 3, exif=None) -> bytes:
    """A colour JPEG of a room (a wall, a notice board, a desk), with sensor-like noise."""
    rnd = random.Random(seed)
    image = Image.new("RGB", size, (196, 182, 160))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((0, int(h * 0.65), w, h), fill=(120, 84, 52))  # desk
    draw.rectangle((int(w * 0.1), int(h * 0.1), int(w * 0.45), int(h * 0.5)), fill=(240, 240, 232))
    for y in range(int(h * 0.14), int(h * 0.46), max(6, h // 60)):
        draw.line((int(w * 0.13), y, int(w * 0.13) + rnd.randint(80, int(w * 0.3)), y), fill=30)
    draw.ellipse((int(w * 0.6), int(h * 0.2), int(w * 0.8), int(h * 0.45)), fill=(30, 90, 160))
    noise = Image.effect_noise(size, 12).convert("RGB")
    image = Image.blend(image, noise, 0.08)
    out = io.BytesIO()
    if exif is not None:
        image.save(out, "JPEG", quality=88, exif=exif)
    else:
        image.save(out, "JPEG", quality=88)
    return out.getvalue()


def new_id() -> str:
    return str(uuid.uuid4())


async def supervisor(client, username: str = "gs.test") -> int:
    user_id = await factories.user(role="supervisor", username=username)
    await client.login(username)
    return user_id


async def start(client, point_id: int, **location) -> int:
    response = await client.submit(f"{CHECKS}/moi", {"point": str(point_id), **location})
    assert response.status_code == 303, response.text[:1000]
    return int(response.headers["location"].rsplit("/", 1)[1])


async def items_of(check_id: int) -> list[dict]:
    from app.inspections.services import answers_with_items

    return await answers_with_items(check_id)


async def save(client, check_id: int, item_id: int, result: str, revision: int, **extra):
    data = {"result": result, "revision": str(revision), **extra}
    return await client.submit(
        f"{CHECKS}/{check_id}/muc/{item_id}", data, headers={"X-Autosave": "1"}
    )


async def answer_all(client, check_id: int, result: str = "pass") -> None:
    for item in await items_of(check_id):
        response = await save(client, check_id, item["item"], result, item["revision"])
        assert response.status_code == 200, response.text[:500]


async def upload(client, check_id: int, item_id: int, data: bytes, *, photo_id: str | None = None):
    return await client.submit(
        f"{CHECKS}/{check_id}/muc/{item_id}/anh",
        {"photo_id": photo_id or new_id()},
        files={"file": ("photo.jpg", data, "image/jpeg")},
        headers={"X-Autosave": "1"},
    )


async def version_of(check_id: int) -> int:
    from app.inspections.tables import SpotCheck

    return (await SpotCheck.select(SpotCheck.version).where(SpotCheck.id == check_id))[0]["version"]


async def complete(client, check_id: int, version: int | None = None):
    version = await version_of(check_id) if version is None else version
    return await client.submit(f"{CHECKS}/{check_id}/hoan-thanh", {"version": str(version)})
