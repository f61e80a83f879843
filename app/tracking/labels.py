"""Words the citizen's pages use for who made a step and where a posted result is."""

from __future__ import annotations

from app.dossiers.tables import ActorKind, DeliveryStatus
from app.web.i18n import N_

ACTOR_LABELS = {
    ActorKind.user.value: N_("agent point"),
    ActorKind.portal.value: N_("national public service portal"),
    ActorKind.postal.value: N_("post office"),
    ActorKind.citizen.value: N_("you"),
    ActorKind.system.value: N_("system"),
}

DELIVERY_LABELS = {
    DeliveryStatus.registered.value: N_("Registered with the post office"),
    DeliveryStatus.dispatched.value: N_("On its way"),
    DeliveryStatus.delivered.value: N_("Delivered"),
    DeliveryStatus.failed.value: N_("Not delivered yet"),
}
