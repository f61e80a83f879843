"""The public point finder: active agent points, by district, nearest first.

The set of active points is small (hundreds), so distances are computed in Python with the
haversine formula over one query's rows, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from app.points.tables import AgentPoint, PointStatus
from app.points.validation import distance_km
from app.territory.selectors import vietnamese_sort_key

PAGE = "/diem-dai-ly"
LIMIT = 30  # keeps the page light on a phone; choose a district or share the location for more
_NUMBER = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,12})?")
_CODE = re.compile(r"[0-9]{3}")


def _coordinate(raw: object, bound: float) -> float | None:
    if not isinstance(raw, str) or not _NUMBER.fullmatch(raw.strip()):
        return None
    value = float(raw)
    return value if math.isfinite(value) and -bound <= value <= bound else None


@dataclass(frozen=True)
class FinderQuery:
    district: str = ""
    lat: float | None = None
    lng: float | None = None

    @classmethod
    def from_params(cls, params) -> FinderQuery:
        district = params.get("quan", "")
        district = district if isinstance(district, str) and _CODE.fullmatch(district) else ""
        lat, lng = _coordinate(params.get("lat"), 90), _coordinate(params.get("lng"), 180)
        if lat is None or lng is None:
            lat = lng = None
        return cls(district=district, lat=lat, lng=lng)

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lng is not None


@dataclass(frozen=True)
class FinderResult:
    points: list[dict]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.points)


def map_url(lat: float, lng: float) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lng:.6f}#map=17/{lat:.6f}/{lng:.6f}"
    )


async def _active_points(district: str = "") -> list[dict]:
    query = AgentPoint.select(
        AgentPoint.id,
        AgentPoint.name,
        AgentPoint.address,
        AgentPoint.commune,
        AgentPoint.district,
        AgentPoint.district_code,
        AgentPoint.opening_hours,
        AgentPoint.phone,
        AgentPoint.latitude,
        AgentPoint.longitude,
    ).where(AgentPoint.status == PointStatus.active.value)
    if district:
        query = query.where(AgentPoint.district_code == district)
    return await query


async def find_points(query: FinderQuery) -> FinderResult:
    rows = await _active_points(query.district)
    for row in rows:
        has_place = row["latitude"] is not None and row["longitude"] is not None
        row["map_url"] = map_url(row["latitude"], row["longitude"]) if has_place else ""
        row["km"] = (
            distance_km(query.lat, query.lng, row["latitude"], row["longitude"])
            if has_place and query.located
            else None
        )
    if query.located:
        rows.sort(key=lambda r: (r["km"] is None, r["km"] or 0.0, vietnamese_sort_key(r["name"])))
    else:
        rows.sort(
            key=lambda r: (vietnamese_sort_key(r["district"]), vietnamese_sort_key(r["name"]))
        )
    return FinderResult(points=rows[:LIMIT], total=len(rows))


async def district_options() -> list[dict]:
    """The districts that have at least one active point, with how many."""
    rows = await AgentPoint.select(AgentPoint.district_code, AgentPoint.district).where(
        (AgentPoint.status == PointStatus.active.value) & (AgentPoint.district_code != "")
    )
    counts: dict[str, dict] = {}
    for row in rows:
        entry = counts.setdefault(
            row["district_code"], {"code": row["district_code"], "label": row["district"], "n": 0}
        )
        entry["n"] += 1
    return sorted(counts.values(), key=lambda d: vietnamese_sort_key(d["label"]))
