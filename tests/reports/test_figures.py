"""The report's figures against a hand-computed network (tests/reports/support.py), on the
engine under test (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.reports.periods import Filters, Period
from app.reports.selectors import points_in_scope, report_build
from tests import factories
from tests.reports.support import EXPECTED_Q3, NOW, Q3, Q4, build_network, user_of, vn


async def _report(user, filters: Filters, now=NOW):
    visible = await points_in_scope(user)
    return await report_build(filters, visible, every_point=user.role == "supervisor", now=now)


def _check(figures, expected: dict, what: str) -> None:
    for name, value in expected.items():
        got = figures.value(name)
        if isinstance(value, float):
            assert got == pytest.approx(value), f"{what} {name}: {got} != {value}"
        else:
            assert got == value, f"{what} {name}: {got} != {value}"


async def test_quarter_figures_match_the_hand_computed_network():
    net = await build_network()
    report = await _report(user_of(net.supervisor, "supervisor"), Filters(period=Q3))
    rows = {p.code[-2:]: p.figures for p in report.points}
    assert sorted(rows) == ["P1", "P2", "P3"]
    for key in ("P1", "P2", "P3"):
        _check(rows[key], EXPECTED_Q3[key], key)
    districts = {d.name: d for d in report.districts}
    assert [d.name for d in report.districts] == ["Ba Vì", "Sóc Sơn"]
    assert districts["Ba Vì"].points == 2
    _check(districts["Ba Vì"].figures, EXPECTED_Q3["Ba Vì"], "Ba Vì")
    _check(districts["Sóc Sơn"].figures, EXPECTED_Q3["P3"], "Sóc Sơn")
    _check(report.total, EXPECTED_Q3["total"], "total")
    assert report.total.meets_online_target is True  # exactly 80%
    assert not report.is_running


async def test_every_dossier_is_accounted_for_and_quarters_chain():
    """Carried over + received = resolved + in progress + closed, for every point; and what
    is in progress at the end of Q3 is what Q4 carries over."""
    net = await build_network()
    user = user_of(net.supervisor, "supervisor")
    q3 = await _report(user, Filters(period=Q3))
    q4 = await _report(user, Filters(period=Q4))
    for report in (q3, q4):
        for point in report.points:
            f = point.figures
            assert f.carried_over + f.received == f.resolved + f.in_progress + f.closed
    q4_rows = {p.id: p.figures for p in q4.points}
    for point in q3.points:
        assert q4_rows[point.id].carried_over == point.figures.in_progress
    p1 = q4_rows[net.p1]
    assert p1.received == 1  # d7, received at 00:00 on 1 Oct
    assert p1.resolved == 1 and p1.resolved_late == 1  # d8, due 5 Jul, resolved 2 Oct


async def test_overdue_list_and_monthly_trend():
    net = await build_network()
    report = await _report(user_of(net.supervisor, "supervisor"), Filters(period=Q3))
    ids = {v: k for k, v in net.dossiers.items()}
    assert [ids[row["id"]] for row in report.overdue] == ["f1", "d8", "d5"]
    assert report.overdue[0]["due_date"] == dt.date(2025, 3, 20)
    assert report.overdue[0]["point_code"] == "DL-R-P3"
    months = {(m.first_day.year, m.first_day.month): m for m in report.months}
    assert len(report.months) == 12
    assert report.months[0].first_day == dt.date(2024, 10, 1)
    assert report.months[-1].first_day == dt.date(2025, 9, 1)
    assert months[(2025, 7)].received == 3  # d2, d8 (00:00 on 1 Jul), e1
    assert months[(2025, 8)].received == 2 and months[(2025, 8)].received_online == 1
    assert months[(2025, 9)].received == 5 and months[(2025, 9)].received_online == 4
    assert months[(2025, 6)].received == 2  # d1, d9 (23:59:59 on 30 Jun)
    assert months[(2025, 3)].received == 1


async def test_a_point_manager_counts_only_their_organisations_points():
    net = await build_network()
    manager = await factories.user(role="point_manager", organisation_id=net.org_a)
    report = await _report(
        user_of(manager, "point_manager", organisation_id=net.org_a), Filters(period=Q3)
    )
    assert sorted(p.code for p in report.points) == ["DL-R-P1", "DL-R-P3"]
    assert report.total.received == 8  # P1's 7 + P3's 1
    assert report.total.checks == 2  # P2's check is not theirs
    assert {row["point_code"] for row in report.overdue} == {"DL-R-P1", "DL-R-P3"}


async def test_district_phase_and_chosen_points_narrow_the_report():
    from app.points.tables import AgentPoint

    net = await build_network()
    user = user_of(net.supervisor, "supervisor")
    by_district = await _report(user, Filters(period=Q3, district="Sóc Sơn"))
    assert [p.code for p in by_district.points] == ["DL-R-P3"]
    assert by_district.total.received == 1
    assert [row["point_code"] for row in by_district.overdue] == ["DL-R-P3"]
    await AgentPoint.update({AgentPoint.phase: 2}).where(AgentPoint.id == net.p2)
    phase_one = await _report(user, Filters(period=Q3, phase=1))
    assert sorted(p.code for p in phase_one.points) == ["DL-R-P1", "DL-R-P3"]
    chosen = await _report(user, Filters(period=Q3, point_ids=(net.p2,)))
    assert [p.code for p in chosen.points] == ["DL-R-P2"]
    assert chosen.total.received == 2 and chosen.months[-3].received == 1


async def test_a_running_period_counts_up_to_now():
    """On 15 Sep 2025 at noon: d5 (due 30 Sep) is in progress on time, d8 (due 5 Jul)
    overdue; what happens after noon is not counted yet."""
    net = await build_network()
    now = vn(2025, 9, 15, 12)
    report = await _report(user_of(net.supervisor, "supervisor"), Filters(period=Q3), now=now)
    assert report.is_running
    assert report.counted_until == dt.date(2025, 9, 15)
    p1 = next(p.figures for p in report.points if p.id == net.p1)
    # received by noon on 15 Sep: d2, d3, d5, d8 (not d4, d6, d13)
    assert p1.received == 4
    assert p1.resolved == 3  # d1, d2, d3 (d13 resolves on 30 Sep)
    assert p1.in_progress == 2 and p1.in_progress_overdue == 1  # d5 on time, d8 overdue
    assert p1.checks == 2  # 80 on 10 Aug, 90 at 09:00 on 15 Sep
    assert p1.consultations == 1


async def test_an_unapproved_point_without_activity_is_left_out():
    from app.points.tables import AgentPoint

    net = await build_network()
    await AgentPoint.update({AgentPoint.status: "proposed"}).where(AgentPoint.id == net.p2)
    idle = await factories.point(district="Ba Vì", code="DL-R-IDLE")
    await AgentPoint.update({AgentPoint.status: "under_review"}).where(AgentPoint.id == idle)
    report = await _report(user_of(net.supervisor, "supervisor"), Filters(period=Q3))
    codes = [p.code for p in report.points]
    assert "DL-R-P2" in codes  # proposed but has dossiers: its figures stay in the totals
    assert "DL-R-IDLE" not in codes


def test_period_bounds_are_vietnam_midnights():
    q3 = Period.quarter(2025, 3)
    assert q3.start == dt.datetime(2025, 6, 30, 17, tzinfo=dt.UTC)
    assert q3.end == dt.datetime(2025, 9, 30, 17, tzinfo=dt.UTC)
    assert q3.key == "2025-Q3"
    assert Period.month(2024, 2).last_day == dt.date(2024, 2, 29)
    assert Period.quarter(2025, 4).last_day == dt.date(2025, 12, 31)
