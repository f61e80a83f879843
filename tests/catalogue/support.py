"""A keyword-only factory for catalogue rows, through the real service."""

from __future__ import annotations

import itertools

from app.catalogue.services import procedure_create

_seq = itertools.count(1)


def component(name: str = "Tờ khai (theo mẫu)", **overrides) -> dict:
    return {"name": name, "copy_kind": "original", "count": 1, "mandatory": True, **overrides}


async def procedure(
    *,
    name: str = "Đăng ký khai sinh",
    code: str | None = None,
    field: str = "Hộ tịch",
    components: list[dict] | None = None,
    **values,
) -> int:
    values = {
        "code": code or f"9.{next(_seq):06d}",
        "name": name,
        "field": field,
        "authority_level": "commune",
        "service_level": "full_online",
        "processing_days": 0,
        "fee_amount": 0,
        "agent_allowed": True,
        **values,
    }
    return await procedure_create(values=values, components=components or [component()])
