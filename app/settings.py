"""Every setting of the application, read from the environment in this one place."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-insecure-secret-change-me"  # noqa: S105 - refused in production


class SettingsError(RuntimeError):
    """The environment describes a configuration the app refuses to run with."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _vapid_subject(public_base_url: str) -> str:
    """Push services want a contact: the site itself when it is https, else a placeholder."""
    url = public_base_url.rstrip("/")
    return url if url.startswith("https://") else Settings.vapid_subject


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    database_url: str = f"sqlite:///{ROOT_DIR / 'var' / 'app.sqlite3'}"
    secret_key: str = DEFAULT_SECRET
    cookie_secure: bool = False
    session_store: str = "database"  # database | redis | memory
    redis_url: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    upload_max_bytes: int = 10 * 1024 * 1024
    session_idle_seconds: int = 30 * 60
    session_absolute_seconds: int = 12 * 60 * 60
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 20
    login_throttle_window_seconds: int = 15 * 60
    sqlite_busy_timeout_seconds: float = 10.0
    sqlite_pool_size: int = 4  # open SQLite connections per process
    pg_pool_min: int = 1
    pg_pool_max: int = 10
    var_dir: Path = field(default=ROOT_DIR / "var")
    default_locale: str = "vi"
    # National portal / Hanoi procedure system. "embedded" = the simulator mounted in-process.
    portal_url: str = "embedded"
    portal_secret: str = "dev-portal-webhook-secret"  # noqa: S105 - refused in production
    portal_unit_code: str = "000.00.26.H26"
    # Public-utility postal service (BCCI). "embedded" = the simulator mounted in-process.
    postal_url: str = "embedded"
    postal_secret: str = "dev-postal-webhook-secret"  # noqa: S105 - refused in production
    webhook_tolerance_seconds: int = 300
    lookup_max_per_ip: int = 20
    lookup_max_per_code: int = 5
    lookup_window_seconds: int = 15 * 60
    consent_version: str = "2025-01"
    status_poll_seconds: int = 15
    # Web Push (VAPID). Empty keys: generated on first run and kept in var_dir/vapid_private.pem.
    vapid_private_key: str = ""
    vapid_public_key: str = ""
    vapid_subject: str = "mailto:noreply@localhost"  # push services require mailto: or https:
    push_ttl_seconds: int = 3 * 24 * 60 * 60
    push_worker: str = "embedded"  # embedded (an asyncio task in the web process) | off
    # Document capture. Empty DOCUMENT_KEYS: a key generated on first run in var_dir.
    document_dir: Path = field(default=ROOT_DIR / "var" / "documents")
    document_keys: str = ""
    capture_page_max_bytes: int = 15 * 1024 * 1024  # one uploaded photo
    capture_page_budget_bytes: int = 400 * 1024  # one stored, cleaned page
    capture_pdf_max_bytes: int = 5 * 1024 * 1024  # one component's PDF
    capture_pages_per_component: int = 30
    capture_retention_days: int = 90  # after the dossier is finished
    # Photo cleaning in helper processes (0: a thread of the web process), at a lower CPU
    # priority (nice) than the pages: an upload waits a little, a person on a page does not.
    capture_processes: int = 1
    capture_nice: int = 10
    # The Centre is told once when a point's overdue dossiers reach this many; 0 = never.
    push_overdue_threshold: int = 5
    # A point is approved only with at least this many trained staff (agents who passed training).
    point_min_trained_staff: int = 1
    # Mounts the benchmark's extra routes (app/web/bench.py); never set in real use.
    bench_routes: bool = False

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> str:
        return self.database_url.split("sqlite:///", 1)[1]

    def validate(self) -> Settings:
        if not (self.is_sqlite or self.database_url.startswith(("postgresql://", "postgres://"))):
            raise SettingsError("DATABASE_URL must be sqlite:///<path> or postgresql://…")
        if self.session_store not in {"database", "redis", "memory"}:
            raise SettingsError("SESSION_STORE must be database, redis or memory")
        if self.session_store == "redis" and not self.redis_url:
            raise SettingsError("SESSION_STORE=redis needs REDIS_URL")
        if self.push_worker not in {"embedded", "off"}:
            raise SettingsError("PUSH_WORKER must be embedded or off")
        if self.push_overdue_threshold < 0:
            raise SettingsError("PUSH_OVERDUE_THRESHOLD must be 0 (off) or more")
        if self.point_min_trained_staff < 0:
            raise SettingsError("POINT_MIN_TRAINED_STAFF must be 0 or more")
        if self.is_production:
            if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
                raise SettingsError(
                    "Refusing to start in production with the default or a short SECRET_KEY "
                    "(set SECRET_KEY to at least 32 random characters)."
                )
            if "embedded" in (self.portal_url, self.postal_url):
                raise SettingsError(
                    "Refusing to start in production with the simulated portal or postal service "
                    "(set PORTAL_URL and POSTAL_URL)"
                )
            if self.portal_secret.startswith("dev-") or self.postal_secret.startswith("dev-"):
                raise SettingsError(
                    "Refusing to start in production with the development webhook secrets"
                )
            if not self.vapid_subject.startswith(("mailto:", "https:")) or "localhost" in (
                self.vapid_subject
            ):
                raise SettingsError(
                    "Refusing to start in production without a real VAPID_SUBJECT "
                    "(an https: site or a mailto: address push services can write to)"
                )
            if not self.document_keys:
                raise SettingsError(
                    "Refusing to start in production without DOCUMENT_KEYS (the master keys "
                    "that encrypt citizens' documents must not sit on the same disk)"
                )
            if not self.cookie_secure:
                raise SettingsError("Refusing to start in production without COOKIE_SECURE=true")
        return self


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    environment = env.get("APP_ENV", "development")
    production = environment == "production"
    redis_url = env.get("REDIS_URL", "")
    return Settings(
        environment=environment,
        database_url=env.get("DATABASE_URL") or Settings.database_url,
        secret_key=env.get("SECRET_KEY") or DEFAULT_SECRET,
        cookie_secure=_bool(env.get("COOKIE_SECURE"), production),
        session_store=env.get("SESSION_STORE") or ("redis" if redis_url else "database"),
        redis_url=redis_url,
        public_base_url=(env.get("PUBLIC_BASE_URL") or Settings.public_base_url).rstrip("/"),
        upload_max_bytes=_int(env, "UPLOAD_MAX_BYTES", Settings.upload_max_bytes),
        session_idle_seconds=_int(env, "SESSION_IDLE_SECONDS", Settings.session_idle_seconds),
        session_absolute_seconds=_int(
            env, "SESSION_ABSOLUTE_SECONDS", Settings.session_absolute_seconds
        ),
        pg_pool_max=_int(env, "PG_POOL_MAX", Settings.pg_pool_max),
        sqlite_pool_size=_int(env, "SQLITE_POOL_SIZE", Settings.sqlite_pool_size),
        var_dir=Path(env.get("VAR_DIR") or Settings().var_dir),
        portal_url=env.get("PORTAL_URL") or Settings.portal_url,
        portal_secret=env.get("PORTAL_SECRET") or Settings.portal_secret,
        portal_unit_code=env.get("PORTAL_UNIT_CODE") or Settings.portal_unit_code,
        postal_url=env.get("POSTAL_URL") or Settings.postal_url,
        postal_secret=env.get("POSTAL_SECRET") or Settings.postal_secret,
        status_poll_seconds=_int(env, "STATUS_POLL_SECONDS", Settings.status_poll_seconds),
        vapid_private_key=env.get("VAPID_PRIVATE_KEY", "").strip(),
        vapid_public_key=env.get("VAPID_PUBLIC_KEY", "").strip(),
        vapid_subject=env.get("VAPID_SUBJECT") or _vapid_subject(env.get("PUBLIC_BASE_URL", "")),
        push_ttl_seconds=_int(env, "PUSH_TTL_SECONDS", Settings.push_ttl_seconds),
        push_worker=env.get("PUSH_WORKER") or ("off" if environment == "test" else "embedded"),
        document_dir=Path(
            env.get("DOCUMENT_DIR") or Path(env.get("VAR_DIR") or Settings().var_dir) / "documents"
        ),
        document_keys=env.get("DOCUMENT_KEYS", "").strip(),
        capture_page_max_bytes=_int(env, "CAPTURE_PAGE_MAX_BYTES", Settings.capture_page_max_bytes),
        capture_page_budget_bytes=_int(
            env, "CAPTURE_PAGE_BUDGET_BYTES", Settings.capture_page_budget_bytes
        ),
        capture_pdf_max_bytes=_int(env, "CAPTURE_PDF_MAX_BYTES", Settings.capture_pdf_max_bytes),
        capture_retention_days=_int(env, "CAPTURE_RETENTION_DAYS", Settings.capture_retention_days),
        capture_processes=_int(env, "CAPTURE_PROCESSES", Settings.capture_processes),
        capture_nice=_int(env, "CAPTURE_NICE", Settings.capture_nice),
        push_overdue_threshold=_int(env, "PUSH_OVERDUE_THRESHOLD", Settings.push_overdue_threshold),
        point_min_trained_staff=_int(
            env, "POINT_MIN_TRAINED_STAFF", Settings.point_min_trained_staff
        ),
        bench_routes=_bool(env.get("BENCH_ROUTES"), False),
    ).validate()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from_env()


def random_secret() -> str:
    return secrets.token_urlsafe(48)
