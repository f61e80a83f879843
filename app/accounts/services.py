"""Writes about staff users: creating accounts and signing in."""

from __future__ import annotations

import datetime as dt
import re

from app.accounts.passwords import hash_password, verify_password
from app.accounts.selectors import user_for_login
from app.accounts.tables import Role, User
from app.audit.services import AuditAction, audit_record
from app.audit.tables import AuditEvent
from app.errors import DomainError, ValidationError
from app.points.tables import AgentPoint, Organisation
from app.settings import Settings
from app.web.i18n import N_
from app.web.sessions import CurrentUser

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 10


class InvalidCredentials(DomainError):
    status_code = 400

    def __init__(self) -> None:
        super().__init__(N_("Wrong username or password."))


class LoginThrottled(DomainError):
    status_code = 429

    def __init__(self, minutes: int) -> None:
        super().__init__(
            N_("Too many failed sign-in attempts. Please try again in %(minutes)s minutes."),
            minutes=minutes,
        )


async def user_create(
    *,
    username: str,
    full_name: str,
    password: str,
    role: str,
    point_id: int | None = None,
    organisation_id: int | None = None,
) -> int:
    username = username.strip().lower()
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = N_(
            "Username: 3–64 lower-case letters, digits, dots, dashes or underscores."
        )
    elif await User.exists().where(User.username == username):
        errors["username"] = N_("This username is already taken.")
    if not full_name.strip():
        errors["full_name"] = N_("Enter the full name.")
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = N_("The password must have at least 10 characters.")
    if role not in {r.value for r in Role}:
        errors["role"] = N_("Choose a role.")
    if role == Role.agent and (
        point_id is None or not await AgentPoint.exists().where(AgentPoint.id == point_id)
    ):
        errors["point"] = N_("An agent must belong to an existing agent point.")
    if role == Role.point_manager and (
        organisation_id is None
        or not await Organisation.exists().where(Organisation.id == organisation_id)
    ):
        errors["organisation"] = N_("A point manager must belong to an existing organisation.")
    if errors:
        raise ValidationError(errors)
    if role == Role.agent:
        organisation_id = (
            await AgentPoint.select(AgentPoint.organisation)
            .where(AgentPoint.id == point_id)
            .first()
        )["organisation"]
    row = User(
        username=username,
        full_name=full_name.strip(),
        password_hash=await hash_password(password),
        role=role,
        point=point_id if role == Role.agent else None,
        organisation=organisation_id if role in (Role.agent, Role.point_manager) else None,
    )
    await row.save()
    await audit_record(action=AuditAction.user_created, object_type="user", object_id=str(row.id))
    return row.id


async def _recent_failures(*, settings: Settings, username: str, ip: str) -> tuple[int, int]:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=settings.login_throttle_window_seconds)
    last_success = (
        await AuditEvent.select(AuditEvent.at)
        .where(
            (AuditEvent.action == AuditAction.login_succeeded)
            & (AuditEvent.object_id == username)
            & (AuditEvent.at > since)
        )
        .order_by(AuditEvent.at, ascending=False)
        .first()
    )
    account_since = max(since, last_success["at"]) if last_success else since
    by_account = await AuditEvent.count().where(
        (AuditEvent.action == AuditAction.login_failed)
        & (AuditEvent.object_id == username)
        & (AuditEvent.at > account_since)
    )
    by_ip = await AuditEvent.count().where(
        (AuditEvent.action == AuditAction.login_failed)
        & (AuditEvent.ip == ip)
        & (AuditEvent.at > since)
    )
    return by_account, by_ip


async def authenticate(*, settings: Settings, username: str, password: str, ip: str) -> CurrentUser:
    """Checks the password; refuses while the account or the address has failed too often."""
    username = username.strip().lower()[:64]
    by_account, by_ip = await _recent_failures(settings=settings, username=username, ip=ip)
    if (
        by_account >= settings.login_max_failures_per_account
        or by_ip >= settings.login_max_failures_per_ip
    ):
        await audit_record(
            action=AuditAction.login_throttled, object_type="user", object_id=username, ip=ip
        )
        raise LoginThrottled(minutes=settings.login_throttle_window_seconds // 60)
    found = await user_for_login(username)
    ok = await verify_password(found[1] if found else None, password)
    if not (found and ok):
        await audit_record(
            action=AuditAction.login_failed, object_type="user", object_id=username, ip=ip
        )
        raise InvalidCredentials()
    user = found[0]
    await audit_record(
        action=AuditAction.login_succeeded,
        actor_id=user.id,
        actor_label=user.username,
        object_type="user",
        object_id=username,
        ip=ip,
    )
    return user
