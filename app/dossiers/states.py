"""The dossier's one state machine: the agent's steps, the national portal's statuses and
result delivery by post. Every allowed transition, and who may make it, is in TRANSITIONS."""

from __future__ import annotations

from enum import StrEnum

from app.web.i18n import N_


class S(StrEnum):
    draft = "draft"
    ready = "ready"
    cancelled = "cancelled"
    submitted = "submitted"  # portal 1: Mới đăng ký
    received = "received"  # portal 2: Được tiếp nhận
    not_accepted = "not_accepted"  # portal 3: Không được tiếp nhận
    processing = "processing"  # portal 4: Đang xử lý
    supplement_requested = "supplement_requested"  # portal 5: Yêu cầu bổ sung giấy tờ
    financial_obligation = "financial_obligation"  # portal 6: Yêu cầu thực hiện nghĩa vụ tài chính
    withdrawn = "withdrawn"  # portal 7: Công dân yêu cầu rút hồ sơ
    stopped = "stopped"  # portal 8: Dừng xử lý
    resolved = "resolved"  # portal 9: Đã xử lý xong
    result_returned = "result_returned"  # portal 10: Đã trả kết quả
    result_dispatched = "result_dispatched"  # postal: result handed to the post
    result_delivered = "result_delivered"  # postal: delivered to the citizen
    delivery_failed = "delivery_failed"  # postal: could not deliver


USER, PORTAL, POSTAL = "user", "portal", "postal"

# from state -> {to state: actor kinds allowed to make that step}
TRANSITIONS: dict[S, dict[S, frozenset[str]]] = {
    S.draft: {S.ready: frozenset({USER}), S.cancelled: frozenset({USER})},
    S.ready: {
        S.draft: frozenset({USER}),
        S.submitted: frozenset({USER}),
        S.cancelled: frozenset({USER}),
    },
    S.submitted: {
        S.received: frozenset({PORTAL}),
        S.not_accepted: frozenset({PORTAL}),
        S.withdrawn: frozenset({PORTAL}),
    },
    S.received: {
        S.processing: frozenset({PORTAL}),
        S.supplement_requested: frozenset({PORTAL}),
        S.financial_obligation: frozenset({PORTAL}),
        S.withdrawn: frozenset({PORTAL}),
        S.stopped: frozenset({PORTAL}),
        S.resolved: frozenset({PORTAL}),
    },
    S.processing: {
        S.supplement_requested: frozenset({PORTAL}),
        S.financial_obligation: frozenset({PORTAL}),
        S.withdrawn: frozenset({PORTAL}),
        S.stopped: frozenset({PORTAL}),
        S.resolved: frozenset({PORTAL}),
    },
    S.supplement_requested: {
        S.processing: frozenset({PORTAL}),
        S.withdrawn: frozenset({PORTAL}),
        S.stopped: frozenset({PORTAL}),
    },
    S.financial_obligation: {
        S.processing: frozenset({PORTAL}),
        S.withdrawn: frozenset({PORTAL}),
        S.stopped: frozenset({PORTAL}),
        S.resolved: frozenset({PORTAL}),
    },
    S.resolved: {
        S.result_returned: frozenset({PORTAL, USER}),
        S.result_dispatched: frozenset({POSTAL}),
    },
    S.result_dispatched: {
        S.result_delivered: frozenset({POSTAL}),
        S.delivery_failed: frozenset({POSTAL}),
    },
    S.delivery_failed: {
        S.result_dispatched: frozenset({POSTAL}),
        S.result_returned: frozenset({PORTAL, USER}),
    },
}
FINAL = frozenset(
    {S.cancelled, S.not_accepted, S.withdrawn, S.stopped, S.result_returned, S.result_delivered}
)
# Status codes used by the national portal and provincial systems.
PORTAL_CODES: dict[int, S] = {
    1: S.submitted,
    2: S.received,
    3: S.not_accepted,
    4: S.processing,
    5: S.supplement_requested,
    6: S.financial_obligation,
    7: S.withdrawn,
    8: S.stopped,
    9: S.resolved,
    10: S.result_returned,
}

# The same words everywhere (agent list, citizen page, dashboard).
LABELS: dict[S, str] = {
    S.draft: N_("Being prepared"),
    S.ready: N_("Ready to submit"),
    S.cancelled: N_("Cancelled"),
    S.submitted: N_("Sent to the portal"),
    S.received: N_("Accepted for processing"),
    S.not_accepted: N_("Not accepted"),
    S.processing: N_("Being processed"),
    S.supplement_requested: N_("More documents needed"),
    S.financial_obligation: N_("Fee or tax to pay"),
    S.withdrawn: N_("Withdrawn"),
    S.stopped: N_("Processing stopped"),
    S.resolved: N_("Result ready"),
    S.result_returned: N_("Result handed over"),
    S.result_dispatched: N_("Result sent by post"),
    S.result_delivered: N_("Result delivered"),
    S.delivery_failed: N_("Delivery failed"),
}

# What it means for the citizen, in plain words.
EXPLANATIONS: dict[S, str] = {
    S.draft: N_("The agent is preparing your dossier."),
    S.ready: N_("Your dossier is complete and about to be sent to the public service portal."),
    S.cancelled: N_("This dossier was cancelled before it was sent."),
    S.submitted: N_("Your dossier was sent online. The office will check it and accept it."),
    S.received: N_("The office accepted your dossier. Processing time counts from now."),
    S.not_accepted: N_(
        "The office did not accept the dossier. Read the reason, then contact the agent point."
    ),
    S.processing: N_("Officials are working on your dossier. You do not need to do anything."),
    S.supplement_requested: N_(
        "The office needs more documents. Bring them to the agent point with your receipt."
    ),
    S.financial_obligation: N_(
        "A fee or tax must be paid before the office continues. The agent point can help you."
    ),
    S.withdrawn: N_("The dossier was withdrawn at your request."),
    S.stopped: N_("The office stopped processing the dossier. Read the reason below."),
    S.resolved: N_("The result is ready. It will be handed over or sent as you chose."),
    S.result_returned: N_("The result has been handed over. Thank you."),
    S.result_dispatched: N_("The result is on its way by post. The postman will call you first."),
    S.result_delivered: N_("The post delivered your result. Thank you."),
    S.delivery_failed: N_("The post could not deliver. They will try again or call you."),
}


class IllegalTransition(Exception):
    def __init__(self, current: S, target: S, actor_kind: str) -> None:
        super().__init__(f"{actor_kind} cannot move a dossier from {current} to {target}")
        self.current, self.target, self.actor_kind = current, target, actor_kind


def can_transition(current: S | str, target: S | str, actor_kind: str) -> bool:
    allowed = TRANSITIONS.get(S(current), {})
    return actor_kind in allowed.get(S(target), frozenset())


def check_transition(current: S | str, target: S | str, actor_kind: str) -> None:
    if not can_transition(current, target, actor_kind):
        raise IllegalTransition(S(current), S(target), actor_kind)


def is_final(state: S | str) -> bool:
    return S(state) in FINAL
