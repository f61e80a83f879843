"""Reads about staff users."""

from __future__ import annotations

from app.accounts.tables import User
from app.web.sessions import CurrentUser

_USER_COLUMNS = (
    User.id,
    User.username,
    User.full_name,
    User.role,
    User.point,
    User.organisation,
)


def _current_user(row: dict) -> CurrentUser:
    return CurrentUser(
        id=row["id"],
        username=row["username"],
        full_name=row["full_name"],
        role=row["role"],
        point_id=row["point"],
        organisation_id=row["organisation"],
    )


async def current_user_by_id(user_id: int) -> CurrentUser | None:
    row = (
        await User.select(*_USER_COLUMNS)
        .where((User.id == user_id) & (User.is_active.eq(True)))
        .first()
    )
    return _current_user(row) if row else None


async def user_for_login(username: str) -> tuple[CurrentUser, str] | None:
    row = (
        await User.select(*_USER_COLUMNS, User.password_hash)
        .where((User.username == username) & (User.is_active.eq(True)))
        .first()
    )
    return (_current_user(row), row["password_hash"]) if row else None
