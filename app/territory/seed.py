"""Loads Hanoi's administrative units (app/territory/hanoi_units.py) into AdminUnit."""

from __future__ import annotations

from app.db import write_transaction
from app.territory.hanoi_units import (
    COMMUNES_2025,
    COMMUNES_VALID_FROM,
    DISTRICTS,
    DISTRICTS_VALID_TO,
    UnitSeed,
)
from app.territory.tables import AdminUnit


def _rows() -> list[tuple[UnitSeed, dict]]:
    dated = [(unit, {"valid_from": None, "valid_to": DISTRICTS_VALID_TO}) for unit in DISTRICTS]
    dated += [
        (unit, {"valid_from": COMMUNES_VALID_FROM, "valid_to": None}) for unit in COMMUNES_2025
    ]
    return dated


async def territory_seed() -> int:
    """Inserts missing units and brings existing ones (matched by code) in line with the data
    module, in one transaction; returns how many rows were inserted. Safe to run again."""
    inserted = 0
    async with write_transaction(AdminUnit._meta.db):
        existing = {
            row["code"]: row
            for row in await AdminUnit.select(
                AdminUnit.code,
                AdminUnit.name,
                AdminUnit.kind,
                AdminUnit.parent,
                AdminUnit.is_outer,
                AdminUnit.valid_from,
                AdminUnit.valid_to,
            )
        }
        new_rows = []
        for unit, validity in _rows():
            wanted = {
                "name": unit.name,
                "kind": unit.kind.value,
                "parent": None,
                "is_outer": unit.is_outer,
                **validity,
            }
            current = existing.get(unit.code)
            if current is None:
                new_rows.append(AdminUnit(code=unit.code, **wanted))
            elif any(current[key] != value for key, value in wanted.items()):
                await AdminUnit.update(
                    {getattr(AdminUnit, key): value for key, value in wanted.items()}
                ).where(AdminUnit.code == unit.code)
        if new_rows:
            await AdminUnit.insert(*new_rows)
            inserted = len(new_rows)
    return inserted
