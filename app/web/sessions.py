"""Server-side sessions: random ids, rotated at login, idle and absolute time-outs.

The cookie carries only the session id; the data lives in a Litestar `Store`
(the database by default, Redis in production). The middleware puts the signed-in
`CurrentUser` (or None) in `scope["user"]`.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from litestar.datastructures import Cookie
from litestar.middleware import ASGIMiddleware

if TYPE_CHECKING:
    from litestar.stores.base import Store
    from litestar.types import ASGIApp, Receive, Scope, Send

    from app.settings import Settings

SEEN_WRITE_INTERVAL = 60


@dataclass(frozen=True, slots=True)
class CurrentUser:
    id: int
    username: str
    full_name: str
    role: str
    point_id: int | None
    organisation_id: int | None

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


def cookie_name(settings: Settings) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless Secure, Path=/ and no Domain.
    return "__Host-sid" if settings.cookie_secure else "sid"


class SessionManager:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.cookie = cookie_name(settings)

    async def create(self, user_id: int) -> str:
        session_id = secrets.token_urlsafe(32)
        now = int(time.time())
        await self._save(session_id, {"uid": user_id, "created": now, "seen": now})
        return session_id

    async def _save(self, session_id: str, data: dict) -> None:
        await self.store.set(
            session_id, json.dumps(data), expires_in=self.settings.session_idle_seconds
        )

    async def load(self, session_id: str) -> tuple[dict | None, str | None]:
        """The session's data, or None and why it is gone ("expired" when a time-out ended it)."""
        raw = await self.store.get(session_id)
        if raw is None:
            return None, None
        data = json.loads(raw)
        now = int(time.time())
        idle = now - data["seen"] > self.settings.session_idle_seconds
        absolute = now - data["created"] > self.settings.session_absolute_seconds
        if idle or absolute:
            from app.audit.services import AuditAction, audit_record

            await self.store.delete(session_id)
            await audit_record(
                action=AuditAction.session_expired,
                actor_id=data["uid"],
                object_type="user",
                object_id=str(data["uid"]),
                details={"timeout": "absolute" if absolute else "idle"},
            )
            return None, "expired"
        if now - data["seen"] >= SEEN_WRITE_INTERVAL:
            data["seen"] = now
            await self._save(session_id, data)
        return data, None

    async def destroy(self, session_id: str | None) -> None:
        if session_id:
            await self.store.delete(session_id)

    def set_cookie(self, session_id: str) -> Cookie:
        return Cookie(
            key=self.cookie,
            value=session_id,
            path="/",
            httponly=True,
            secure=self.settings.cookie_secure,
            samesite="lax",
            max_age=self.settings.session_absolute_seconds,
        )

    def clear_cookie(self) -> Cookie:
        return Cookie(
            key=self.cookie,
            value="",
            path="/",
            httponly=True,
            secure=self.settings.cookie_secure,
            samesite="lax",
            max_age=0,
        )


class SessionMiddleware(ASGIMiddleware):
    """Resolves the session cookie to a `CurrentUser` before any handler runs."""

    exclude_path_pattern = ("^/static/", "^/healthz$")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        from app.accounts.selectors import current_user_by_id

        scope["user"] = None
        scope["auth"] = None
        app = scope["litestar_app"]
        manager: SessionManager = app.state.sessions
        session_id = _cookie_value(scope, manager.cookie)
        if session_id:
            data, reason = await manager.load(session_id)
            user = await current_user_by_id(data["uid"]) if data else None
            if user is not None:
                scope["user"] = user
                scope["auth"] = session_id
            elif data is not None:
                await manager.destroy(session_id)
            scope.setdefault("state", {})["session_end_reason"] = reason
        await next_app(scope, receive, send)


def _cookie_value(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name and v:
                    return v
    return None
