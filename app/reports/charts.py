"""Small charts drawn on the server as inline SVG: no chart library for the tablet to
download. Each has a <title> and <desc> (read out by screen readers) and prints its values
as text beside the marks; the tables under them carry the same figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from markupsafe import Markup, escape

from app.reports.figures import reaches
from app.web.i18n import format_number

WIDTH = 640
FONT = 15
ROW = 30
LABEL_W = 150
VALUE_W = 80
BLUE, LIGHT_BLUE, GREEN, RED, AMBER, INK, GRID = (
    "#0b4f8a",
    "#8fb0cc",
    "#1b6e2e",
    "#b00020",
    "#8a5a00",
    "#1b1b1b",
    "#c5ccd3",
)


class Bar(NamedTuple):
    label: str
    share: float | None  # 0..1, None when there is nothing to divide


class Stack(NamedTuple):
    label: str
    parts: tuple[int, ...]


class Segment(NamedTuple):
    name: str
    colour: str


def _percent(share: float) -> str:
    return f"{format_number(share * 100, 1)}%"


def _open(uid: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img"'
        f' aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg"'
        f' font-size="{FONT}" font-family="system-ui, sans-serif" fill="{INK}">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape(desc)}</desc>',
    ]


def _close(out: list[str]) -> Markup:
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text in it went through escape()


def _clip(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def share_bars(
    uid: str, bars: Sequence[Bar], *, title: str, desc: str, target: float, target_label: str
) -> Markup:
    """Horizontal bars of a share (0–100%) per row, with a dashed line at the target; a bar
    that reaches the target is solid, one below it light, and its value says so with ✓."""
    plot_w = WIDTH - LABEL_W - VALUE_W
    height = 28 + ROW * max(len(bars), 1)
    out = _open(uid, title, desc, height)
    x_target = round(LABEL_W + target * plot_w)
    out.append(
        f'<rect x="{LABEL_W}" y="20" width="{plot_w}" height="{height - 22}" fill="#eef1f4"/>'
    )
    for i, bar in enumerate(bars):
        y = 24 + i * ROW
        out.append(
            f'<text x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(_clip(bar.label))}</text>"
        )
        if bar.share is None:
            out.append(f'<text x="{LABEL_W + 6}" y="{y + 15}">–</text>')
            continue
        met = reaches(bar.share, target)
        width = round(min(max(bar.share, 0.0), 1.0) * plot_w)
        out.append(
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{width}" height="{ROW - 10}"'
            f' fill="{BLUE if met else LIGHT_BLUE}"/>'
        )
        out.append(
            f'<text x="{LABEL_W + plot_w + 6}" y="{y + 15}">'
            f"{_percent(bar.share)}{' ✓' if met else ''}</text>"
        )
    out.append(
        f'<line x1="{x_target}" y1="16" x2="{x_target}" y2="{height - 4}" stroke="{AMBER}"'
        ' stroke-width="2" stroke-dasharray="6 4"/>'
    )
    out.append(
        f'<text x="{x_target}" y="13" text-anchor="middle" fill="{AMBER}">'
        f"{escape(target_label)}</text>"
    )
    return _close(out)


def stacked_bars(
    uid: str, stacks: Sequence[Stack], segments: Sequence[Segment], *, title: str, desc: str
) -> Markup:
    """100% horizontal bars made of parts (e.g. early / on time / late), each part's count
    written on it when it is wide enough, and a legend in words."""
    plot_w = WIDTH - LABEL_W - VALUE_W
    height = 40 + ROW * max(len(stacks), 1)
    out = _open(uid, title, desc, height)
    x = LABEL_W
    for segment in segments:  # the legend
        out.append(f'<rect x="{x}" y="4" width="14" height="14" fill="{segment.colour}"/>')
        out.append(f'<text x="{x + 19}" y="16">{escape(segment.name)}</text>')
        x += 36 + 9 * len(segment.name)
    for i, stack in enumerate(stacks):
        y = 34 + i * ROW
        total = sum(stack.parts)
        out.append(
            f'<text x="{LABEL_W - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(_clip(stack.label))}</text>"
        )
        if not total:
            out.append(f'<text x="{LABEL_W + 6}" y="{y + 15}">–</text>')
            continue
        x = float(LABEL_W)
        for count, segment in zip(stack.parts, segments, strict=True):
            width = count / total * plot_w
            if width:
                out.append(
                    f'<rect x="{x:.0f}" y="{y + 2}" width="{width:.0f}" height="{ROW - 10}"'
                    f' fill="{segment.colour}"/>'
                )
            if width >= 8 * len(str(count)) + 8:
                out.append(
                    f'<text x="{x + width / 2:.0f}" y="{y + 16}" text-anchor="middle"'
                    f' fill="#fff">{format_number(count)}</text>'
                )
            x += width
        out.append(f'<text x="{LABEL_W + plot_w + 6}" y="{y + 15}">{format_number(total)}</text>')
    return _close(out)


def month_bars(
    uid: str,
    months: Sequence[tuple[str, int, int]],
    *,
    title: str,
    desc: str,
    online_name: str,
    other_name: str,
) -> Markup:
    """Vertical bars per month (label, received, of which online): the online part dark, the
    rest light, the count above."""
    height, top, bottom, left = 250, 40, 30, 10
    plot_h = height - top - bottom
    step = (WIDTH - 2 * left) / max(len(months), 1)
    peak = max((m[1] for m in months), default=0) or 1
    out = _open(uid, title, desc, height)
    out.append(f'<rect x="{left}" y="4" width="14" height="14" fill="{BLUE}"/>')
    out.append(f'<text x="{left + 19}" y="16">{escape(online_name)}</text>')
    x_other = left + 40 + 8 * len(online_name)
    out.append(f'<rect x="{x_other}" y="4" width="14" height="14" fill="{LIGHT_BLUE}"/>')
    out.append(f'<text x="{x_other + 19}" y="16">{escape(other_name)}</text>')
    base = height - bottom
    out.append(f'<line x1="{left}" y1="{base}" x2="{WIDTH - left}" y2="{base}" stroke="{GRID}"/>')
    for i, (label, received, online) in enumerate(months):
        x = left + i * step + step * 0.15
        w = step * 0.7
        h_all = received / peak * (plot_h - 18)
        h_online = online / peak * (plot_h - 18)
        if received:
            out.append(
                f'<rect x="{x:.0f}" y="{base - h_all:.0f}" width="{w:.0f}" height="{h_all:.0f}"'
                f' fill="{LIGHT_BLUE}"/>'
            )
            out.append(
                f'<rect x="{x:.0f}" y="{base - h_online:.0f}" width="{w:.0f}"'
                f' height="{h_online:.0f}" fill="{BLUE}"/>'
            )
        out.append(
            f'<text x="{x + w / 2:.0f}" y="{base - h_all - 5:.0f}" text-anchor="middle"'
            f' font-size="{FONT - 3}">{format_number(received)}</text>'
        )
        out.append(
            f'<text x="{x + w / 2:.0f}" y="{height - 10}" text-anchor="middle"'
            f' font-size="{FONT - 3}">{escape(label)}</text>'
        )
    return _close(out)
