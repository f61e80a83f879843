"""Photos of document pages made with Pillow, and helpers for the capture tests."""

from __future__ import annotations

import io
import random
import uuid

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from tests import factories

WORDS = (
    "Cong hoa xa hoi chu nghia Viet Nam Doc lap Tu do Hanh phuc giay dang ky thuong tru ho va "
    "ten ngay sinh noi cu tru so dinh danh ca nhan phuong xa quan huyen 0123 4567 89"
).split()


def document_image(
    frame: tuple[int, int] = (4000, 3000),
    *,
    page_share: float = 0.92,
    paper: int = 228,
    desk: int = 70,
    noise: float = 6.0,
    seed: int = 1,
) -> Image.Image:
    """A greyscale photo of an A4 page of text on a desk (the page turned like the frame)."""
    w, h = frame
    rnd = random.Random(seed)
    gradient = Image.linear_gradient("L").resize(frame).point(lambda v: v // 6)
    photo = ImageChops.add(Image.new("L", frame, desk), gradient)
    aspect = 1.414 if w >= h else 1 / 1.414
    page_w = int(w * page_share)
    page_h = int(page_w / aspect)
    if page_h > h * page_share:
        page_h = int(h * page_share)
        page_w = int(page_h * aspect)
    x0, y0 = (w - page_w) // 2, (h - page_h) // 2
    draw = ImageDraw.Draw(photo)
    draw.rectangle((x0, y0, x0 + page_w, y0 + page_h), fill=paper)
    size = max(8, max(page_w, page_h) // 75)  # 297 mm: about 11 pt text
    font = ImageFont.load_default(size=size)
    left, right = x0 + page_w // 12, x0 + page_w - page_w // 12
    y = y0 + size * 3
    chars = int((right - left) / draw.textlength("Cong hoa xa hoi 0123 ", font=font) * 21)
    while y < y0 + page_h - size * 3:
        line = ""
        while len(line) < chars - 10:
            line = f"{line} {rnd.choice(WORDS)}".strip()
        draw.text((left, y), line[:chars], fill=25, font=font)
        y += int(size * 1.6)
    if noise:
        photo = ImageChops.add(photo, Image.effect_noise(frame, noise), 1.0, -128)
    return photo


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def document_photo(
    frame: tuple[int, int] = (2000, 1500), *, blur: float = 0, seed: int = 1
) -> bytes:
    """A phone-sized JPEG of a page of text (blurred when asked)."""
    image = document_image(frame, seed=seed)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    return jpeg(image)


def new_id() -> str:
    return str(uuid.uuid4())


async def agent_with_dossier(client, *, username="daily.cap", status="draft", components=2):
    point = await factories.point(code=f"DL-{username[-3:].upper()}")
    user = await factories.user(role="agent", username=username, point_id=point)
    procedure = await factories.procedure(components=components)
    dossier = await factories.dossier(
        point_id=point, agent_id=user, procedure_id=procedure, status=status, with_components=True
    )
    await client.login(username)
    return point, user, dossier


async def upload(
    client, dossier: int, component: int, data: bytes, *, page_id=None, queue=True, **fields
):
    headers = {"X-Capture-Queue": "1"} if queue else {}
    return await client.submit(
        f"/ho-so/{dossier}/trang",
        {"component": str(component), "page_id": page_id or new_id(), **fields},
        files={"file": ("page.jpg", data, "image/jpeg")},
        headers=headers,
    )
