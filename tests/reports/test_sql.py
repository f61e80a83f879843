"""The engine-specific pieces of the report's SQL, checked on the engine under test: the
Vietnam date of a stored timestamp, the settled moment the report indexes, and (on SQLite)
that the counting reads that index."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from piccolo.querystring import QueryString

from app.dossiers.tables import Dossier
from app.reports.charts import Bar, Segment, Stack, share_bars, stacked_bars
from app.reports.periods import local_date
from app.reports.selectors import SETTLED_SQL, local_date_sql, settled_sql
from tests.reports.support import vn

MIGRATION = next(
    (
        path
        for path in sorted(Path(__file__).resolve().parents[2].glob("migrations/*.py"))
        if 'DESCRIPTION = "report indexes"' in path.read_text()
    ),
    None,
)


async def test_local_date_matches_python_at_the_edges_of_the_day():
    """Stored instants around Vietnam's midnight (17:00 UTC), to the microsecond: the SQL
    date is the one Python gives."""
    from tests import factories

    moments = [
        vn(2025, 9, 30, 23, 59, 59, 999999),
        vn(2025, 10, 1, 0, 0, 0),
        vn(2025, 10, 1, 0, 0, 0, 1),
        vn(2025, 10, 1, 6, 59, 59),
        vn(2025, 10, 1, 7, 0, 0),
        vn(2025, 12, 31, 23, 30),
        vn(2024, 2, 29, 0, 15),
        vn(2025, 6, 30, 16, 59, 59, 500000),
    ]
    ids = []
    for moment in moments:
        dossier_id = await factories.dossier()
        await Dossier.update({Dossier.resolved_at: moment}).where(Dossier.id == dossier_id)
        ids.append(dossier_id)
    engine = Dossier._meta.db
    rows = await engine.run_querystring(
        QueryString(
            f"SELECT d.id, {local_date_sql(engine.engine_type, 'd.resolved_at')} AS day"
            " FROM dossier d WHERE d.resolved_at IS NOT NULL ORDER BY d.id"
        )
    )
    got = [
        r["day"] if isinstance(r["day"], dt.date) else dt.date.fromisoformat(r["day"]) for r in rows
    ]
    assert got == [local_date(m) for m in moments]


async def test_settled_is_the_first_of_resolved_and_finished_or_never():
    from tests import factories

    cases = [
        (vn(2025, 7, 1), vn(2025, 7, 3), vn(2025, 7, 1)),  # resolved, then handed over
        (None, vn(2025, 8, 5), vn(2025, 8, 5)),  # withdrawn
        (vn(2025, 9, 1), None, vn(2025, 9, 1)),  # resolved, waiting
        (None, None, None),  # still open
    ]
    for resolved, finished, _ in cases:
        dossier_id = await factories.dossier()
        await Dossier.update({Dossier.resolved_at: resolved, Dossier.finished_at: finished}).where(
            Dossier.id == dossier_id
        )
    engine = Dossier._meta.db
    bound = vn(2025, 8, 1)
    rows = await engine.run_querystring(
        QueryString(
            f"SELECT d.id, CASE WHEN {settled_sql(engine.engine_type)} >= {{}} THEN 1 ELSE 0 END"
            " AS later FROM dossier d ORDER BY d.id",
            bound,
        )
    )
    expected = [1 if settled is None or settled >= bound else 0 for _, _, settled in cases]
    assert [int(r["later"]) for r in rows] == expected


def test_the_migration_indexes_exactly_the_settled_expression():
    assert MIGRATION is not None
    spec = importlib.util.spec_from_file_location("report_indexes", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sqlite_expr = SETTLED_SQL["sqlite"].format(t="x").replace("x.", "")
    postgres_expr = SETTLED_SQL["postgres"].format(t="x").replace("x.", "")
    assert sqlite_expr in module.SQLITE[0]
    assert f"(({postgres_expr}))" in module.POSTGRES[0]


async def test_on_sqlite_the_counting_reads_the_report_index():
    engine = Dossier._meta.db
    if engine.engine_type != "sqlite":
        pytest.skip("the plan checked is SQLite's (PostgreSQL picks by its statistics)")
    await engine.run_ddl("ANALYZE")
    settled = settled_sql("sqlite")
    plan = await engine.run_querystring(
        QueryString(
            "EXPLAIN QUERY PLAN SELECT d.point, COUNT(*), SUM(CASE WHEN d.due_date < {} THEN 1"
            f" ELSE 0 END) FROM dossier d WHERE {settled} >= {{}} AND d.received_at < {{}}"
            " GROUP BY d.point",
            dt.date(2025, 10, 1),
            vn(2025, 7, 1),
            vn(2025, 10, 1),
        )
    )
    assert any("dossier_report_settled" in str(row.get("detail", "")) for row in plan), plan


def test_the_target_is_reached_as_reported_to_a_tenth_of_a_percent():
    from app.reports.figures import Figures

    assert Figures(received=25_001, received_online=20_000).meets_online_target  # 79.997%
    assert not Figures(received=10_000, received_online=7_994).meets_online_target  # 79.94%
    svg = share_bars("c0", [Bar("A", 0.79996), Bar("B", 0.7994)], title="t", desc="d",
                     target=0.8, target_label="80%")  # fmt: skip
    assert "80,0% ✓" in svg and "79,9%<" in svg


def test_chart_labels_are_escaped_and_empty_rows_say_so():
    svg = share_bars(
        "c1",
        [Bar("<script>alert(1)</script>", 0.9), Bar("Sóc Sơn", None)],
        title="Tỷ lệ & mục tiêu",
        desc="d",
        target=0.8,
        target_label="Mục tiêu 80%",
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Tỷ lệ &amp; mục tiêu" in svg
    assert "90,0% ✓" in svg and "–" in svg
    stacked = stacked_bars(
        "c2",
        [Stack("Ba Vì", (1, 2, 0)), Stack("Trống", (0, 0, 0))],
        [
            Segment("Trước hạn", "#1b6e2e"),
            Segment("Đúng hạn", "#0b4f8a"),
            Segment("Quá hạn", "#b00020"),
        ],
        title="t",
        desc="d",
    )
    assert stacked.count("<rect") == 3 + 2  # the legend's three, Ba Vì's two parts
