"""The state machine, checked over every pair of states and every kind of actor."""

from __future__ import annotations

import itertools

import pytest

from app.dossiers.states import (
    EXPLANATIONS,
    FINAL,
    LABELS,
    PORTAL_CODES,
    TRANSITIONS,
    IllegalTransition,
    S,
    can_transition,
    check_transition,
)

# Written out independently of the code: (from, to, actor) triples that must be allowed.
ALLOWED = {
    ("draft", "ready", "user"),
    ("draft", "cancelled", "user"),
    ("ready", "draft", "user"),
    ("ready", "submitted", "user"),
    ("ready", "cancelled", "user"),
    ("submitted", "received", "portal"),
    ("submitted", "not_accepted", "portal"),
    ("submitted", "withdrawn", "portal"),
    *{
        ("received", t, "portal")
        for t in (
            "processing",
            "supplement_requested",
            "financial_obligation",
            "withdrawn",
            "stopped",
            "resolved",
        )
    },
    *{
        ("processing", t, "portal")
        for t in (
            "supplement_requested",
            "financial_obligation",
            "withdrawn",
            "stopped",
            "resolved",
        )
    },
    *{("supplement_requested", t, "portal") for t in ("processing", "withdrawn", "stopped")},
    *{
        ("financial_obligation", t, "portal")
        for t in ("processing", "withdrawn", "stopped", "resolved")
    },
    ("resolved", "result_returned", "portal"),
    ("resolved", "result_returned", "user"),
    ("resolved", "result_dispatched", "postal"),
    ("result_dispatched", "result_delivered", "postal"),
    ("result_dispatched", "delivery_failed", "postal"),
    ("delivery_failed", "result_dispatched", "postal"),
    ("delivery_failed", "result_returned", "portal"),
    ("delivery_failed", "result_returned", "user"),
}
ACTORS = ("user", "portal", "postal", "citizen", "system")


@pytest.mark.parametrize("current,target", list(itertools.product(S, S)))
def test_every_pair_of_states(current, target):
    for actor in ACTORS:
        expected = (current.value, target.value, actor) in ALLOWED
        assert can_transition(current, target, actor) is expected, (current, target, actor)
        if expected:
            check_transition(current, target, actor)
        else:
            with pytest.raises(IllegalTransition):
                check_transition(current, target, actor)


def test_final_states_have_no_way_out_and_every_state_is_reachable():
    for state in FINAL:
        assert not TRANSITIONS.get(state)
    reached, frontier = {S.draft}, [S.draft]
    while frontier:
        for nxt in TRANSITIONS.get(frontier.pop(), {}):
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    assert reached == set(S)


def test_portal_codes_and_words_cover_every_status():
    assert [PORTAL_CODES[i] for i in range(1, 11)] == [
        S.submitted,
        S.received,
        S.not_accepted,
        S.processing,
        S.supplement_requested,
        S.financial_obligation,
        S.withdrawn,
        S.stopped,
        S.resolved,
        S.result_returned,
    ]
    assert set(LABELS) == set(S) == set(EXPLANATIONS)
