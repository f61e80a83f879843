"""A Litestar `Store` kept in the database: persistent and shared by every worker process."""

from __future__ import annotations

import datetime as dt

from litestar.stores.base import Store

from app.db import Sql, fetch_one
from app.web.tables import KeyValue

# Read on every signed-in request (the session): hand-written, see app.db.Sql.
GET_SQL = Sql(
    "SELECT value, expires_at FROM key_value WHERE key = $1", types={"expires_at": "timestamptz"}
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _expiry(expires_in: int | dt.timedelta | None) -> dt.datetime | None:
    if expires_in is None:
        return None
    seconds = expires_in.total_seconds() if isinstance(expires_in, dt.timedelta) else expires_in
    return _now() + dt.timedelta(seconds=seconds)


class DatabaseStore(Store):
    def __init__(self, namespace: str = "") -> None:
        self.namespace = namespace

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}" if self.namespace else key

    async def set(self, key: str, value: str | bytes, expires_in=None) -> None:
        data = value.encode() if isinstance(value, str) else value
        row = KeyValue(key=self._key(key), value=data, expires_at=_expiry(expires_in))
        await KeyValue.insert(row).on_conflict(
            target=KeyValue.key, action="DO UPDATE", values=[KeyValue.value, KeyValue.expires_at]
        )

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        row = await fetch_one(GET_SQL, self._key(key))
        if row is None:
            return None
        if row["expires_at"] is not None and row["expires_at"] <= _now():
            await self.delete(key)
            return None
        if renew_for is not None and row["expires_at"] is not None:
            await KeyValue.update({KeyValue.expires_at: _expiry(renew_for)}).where(
                KeyValue.key == self._key(key)
            )
        return bytes(row["value"])

    async def delete(self, key: str) -> None:
        await KeyValue.delete().where(KeyValue.key == self._key(key))

    async def delete_all(self) -> None:
        prefix = f"{self.namespace}:" if self.namespace else ""
        await KeyValue.delete().where(KeyValue.key.like(f"{prefix}%"))

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = (
            await KeyValue.select(KeyValue.expires_at).where(KeyValue.key == self._key(key)).first()
        )
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - _now()).total_seconds())

    async def purge_expired(self) -> None:
        await KeyValue.delete().where(KeyValue.expires_at < _now())
