"""Account services without HTTP."""

from __future__ import annotations

import pytest

from app.accounts.passwords import hash_password, verify_password
from app.accounts.services import user_create
from app.accounts.tables import User
from app.errors import ValidationError
from tests import factories


async def test_passwords_are_argon2id():
    hashed = await hash_password("mot-mat-khau-dai")
    assert hashed.startswith("$argon2id$")
    assert await verify_password(hashed, "mot-mat-khau-dai")
    assert not await verify_password(hashed, "sai-mat-khau")
    assert not await verify_password(None, "anything")


async def test_user_create_validates_every_field():
    with pytest.raises(ValidationError) as info:
        await user_create(username="A B", full_name=" ", password="short", role="boss")
    assert set(info.value.errors) == {"username", "full_name", "password", "role"}
    assert await User.count() == 0


async def test_agent_needs_a_point_and_manager_an_organisation():
    with pytest.raises(ValidationError) as info:
        await user_create(username="abc", full_name="X", password="x" * 12, role="agent")
    assert "point" in info.value.errors
    with pytest.raises(ValidationError) as info:
        await user_create(username="abcd", full_name="X", password="x" * 12, role="point_manager")
    assert "organisation" in info.value.errors


async def test_duplicate_username_is_refused():
    await factories.user(role="supervisor", username="giamsat1")
    with pytest.raises(ValidationError) as info:
        await factories.user(role="supervisor", username="GIAMSAT1")
    assert info.value.errors == {"username": "This username is already taken."}


async def test_agent_inherits_the_organisation_of_its_point():
    org = await factories.organisation()
    point = await factories.point(organisation_id=org)
    uid = await factories.user(role="agent", point_id=point)
    row = await User.select(User.organisation).where(User.id == uid).first()
    assert row["organisation"] == org
