"""A local push service per test, and helpers to subscribe fake browsers to dossiers."""

from __future__ import annotations

import pytest

from app.notifications.vapid import vapid_keys
from tests.notifications.push_service import PushService, ServedPushService


@pytest.fixture
def push_service(settings):
    with ServedPushService(PushService(vapid_keys(settings).public_key)) as service:
        yield service


@pytest.fixture
def subscribe(push_service, settings):
    from app.dossiers.tables import Dossier
    from app.notifications.services import subscription_create

    async def subscribe_(dossier_id: int):
        token = (
            await Dossier.select(Dossier.status_token).where(Dossier.id == dossier_id).first()
        )["status_token"]
        fake = push_service.new_subscription()
        await subscription_create(
            token=token, subscription=fake.info(push_service.base_url), settings=settings
        )
        return fake

    return subscribe_


@pytest.fixture
def subscribe_staff(push_service, settings):
    """Subscribes a new fake browser to a staff member's own events."""
    from app.accounts.selectors import current_user_by_id
    from app.notifications.services import staff_subscription_create

    async def subscribe_(user_id: int):
        fake = push_service.new_subscription()
        await staff_subscription_create(
            user=await current_user_by_id(user_id),
            subscription=fake.info(push_service.base_url),
            settings=settings,
        )
        return fake

    return subscribe_
