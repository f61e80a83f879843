"""Reads about staff users."""

from __future__ import annotations

from app.accounts.tables import User
from app.db import Sql, fetch_one
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


# Read on every signed-in request (the session middleware): hand-written, see app.db.Sql.
CURRENT_USER_SQL = Sql(
    "SELECT id, username, full_name, role, point, organisation FROM staff_user"
    " WHERE id = $1 AND is_active = $2"
)


async def current_user_by_id(user_id: int) -> CurrentUser | None:
    row = await fetch_one(CURRENT_USER_SQL, user_id, True)
    return _current_user(row) if row else None


async def user_for_login(username: str) -> tuple[CurrentUser, str] | None:
    row = (
        await User.select(*_USER_COLUMNS, User.password_hash)
        .where((User.username == username) & (User.is_active.eq(True)))
        .first()
    )
    return (_current_user(row), row["password_hash"]) if row else None
