"""Settings refuse unsafe production configurations; migrations match the tables."""

from __future__ import annotations

import pytest

from app.settings import DEFAULT_SECRET, SettingsError, settings_from_env


def test_development_defaults_use_sqlite_under_var():
    s = settings_from_env({})
    assert s.is_sqlite and s.sqlite_path.endswith("var/app.sqlite3")
    assert s.session_store == "database" and not s.cookie_secure


def test_production_refuses_the_default_secret():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        settings_from_env({"APP_ENV": "production"})
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        settings_from_env({"APP_ENV": "production", "SECRET_KEY": DEFAULT_SECRET})
    prod = {"APP_ENV": "production", "SECRET_KEY": "x" * 40}
    with pytest.raises(SettingsError, match="simulated portal"):
        settings_from_env(prod)
    prod |= {"PORTAL_URL": "https://portal.example", "POSTAL_URL": "https://post.example"}
    with pytest.raises(SettingsError, match="webhook secrets"):
        settings_from_env(prod)
    prod |= {"PORTAL_SECRET": "p" * 40, "POSTAL_SECRET": "q" * 40}
    with pytest.raises(SettingsError, match="VAPID_SUBJECT"):
        settings_from_env(prod)
    prod |= {"PUBLIC_BASE_URL": "https://dvc.example.vn"}
    with pytest.raises(SettingsError, match="DOCUMENT_KEYS"):
        settings_from_env(prod)
    ok = settings_from_env({**prod, "DOCUMENT_KEYS": "k1:" + "A" * 43})
    assert ok.vapid_subject == "https://dvc.example.vn"
    assert ok.cookie_secure and ok.is_production


def test_bad_values_are_explained():
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        settings_from_env({"DATABASE_URL": "mysql://x"})
    with pytest.raises(SettingsError, match="UPLOAD_MAX_BYTES"):
        settings_from_env({"UPLOAD_MAX_BYTES": "ten"})
    with pytest.raises(SettingsError, match="REDIS_URL"):
        settings_from_env({"SESSION_STORE": "redis"})
    assert settings_from_env({"REDIS_URL": "redis://127.0.0.1:6379/0"}).session_store == "redis"


async def test_migrations_record_every_table_change():
    from app.__main__ import pending_schema_changes

    assert await pending_schema_changes() == 0


async def test_migrated_database_has_every_table():
    from app.piccolo_app import TABLES

    for table in TABLES:
        assert await table.table_exists().run(), table._meta.tablename


async def test_timestamps_come_back_timezone_aware_utc():
    from app.audit.services import audit_record
    from app.audit.tables import AuditEvent

    await audit_record(action="probe")
    row = await AuditEvent.select(AuditEvent.at).first()
    assert row["at"].tzinfo is not None and row["at"].utcoffset().total_seconds() == 0


async def test_cli_creates_users_and_loads_demo_once(capsys):
    import argparse

    from app.__main__ import create_user, load_demo
    from app.accounts.tables import User
    from app.demo import USERS

    assert await load_demo() == 0
    assert await User.count() == len(USERS)
    assert await load_demo() == 0
    assert "not loaded" in capsys.readouterr().out
    args = argparse.Namespace(
        username="gs2",
        full_name="Giám sát 2",
        role="supervisor",
        point_id=None,
        organisation_id=None,
        password="mat-khau-rat-dai",
    )
    assert await create_user(args) == 0
    args.username = "x"
    assert await create_user(args) == 2
