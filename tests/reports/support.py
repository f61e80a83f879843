"""A small network with hand-computed figures for the third quarter of 2025 (1 Jul – 30 Sep,
Vietnam time), used by the report tests.

Two districts: Ba Vì (P1 of organisation A, P2 of organisation B) and Sóc Sơn (P3 of
organisation A). 1 and 2 September 2025 are holidays (National Day). Each dossier's line
says how it counts in Q3; EXPECTED holds the figures worked out by hand from those lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.dossiers.tables import Consultation, Dossier
from app.feedback.tables import SatisfactionRating
from app.inspections.tables import ChecklistTemplate, SpotCheck
from app.reports.periods import Period
from app.web.i18n import VN_TZ
from app.web.sessions import CurrentUser
from app.workdays.tables import Holiday
from tests import factories

Q3 = Period.quarter(2025, 3)
Q4 = Period.quarter(2025, 4)
NOW = dt.datetime(2026, 1, 15, 3, 0, tzinfo=dt.UTC)  # both quarters are over


def vn(year, month, day, hour=9, minute=0, second=0, micro=0) -> dt.datetime:
    """A Vietnam wall-clock time, as the UTC instant stored."""
    local = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=VN_TZ)
    return local.astimezone(dt.UTC)


D = dt.date


@dataclass
class Network:
    org_a: int
    org_b: int
    p1: int
    p2: int
    p3: int
    agents: dict[int, int]
    procedure: int
    supervisor: int = 0
    dossiers: dict[str, int] = field(default_factory=dict)


async def dossier(
    net: Network,
    name: str,
    point: int,
    *,
    received: dt.datetime | None,
    due: dt.date | None = None,
    resolved: dt.datetime | None = None,
    finished: dt.datetime | None = None,
    channel: str = "agent_point",
    status: str = "processing",
) -> int:
    dossier_id = await factories.dossier(
        point_id=point, agent_id=net.agents[point], procedure_id=net.procedure, status=status
    )
    await Dossier.update(
        {
            Dossier.received_at: received,
            Dossier.due_date: due,
            Dossier.resolved_at: resolved,
            Dossier.finished_at: finished,
            Dossier.channel: channel,
            Dossier.portal_code: f"H26.99-{name.upper()}" if received else None,
        }
    ).where(Dossier.id == dossier_id)
    net.dossiers[name] = dossier_id
    return dossier_id


async def rating(net: Network, point: int, level: str, at: dt.datetime) -> None:
    dossier_id = await factories.dossier(
        point_id=point, agent_id=net.agents[point], procedure_id=net.procedure
    )
    await SatisfactionRating(
        dossier=dossier_id, point=point, agent=net.agents[point], level=level, created_at=at
    ).save()


async def spot_check(
    net: Network, point: int, score: float, at: dt.datetime, status: str = "completed"
) -> None:
    template = await ChecklistTemplate.select(ChecklistTemplate.id).first()
    if template is None:
        row = ChecklistTemplate(name="Bảng kiểm thử", version=1, is_active=True, created_at=at)
        await row.save()
        template = {"id": row.id}
    await SpotCheck(
        point=point,
        template=template["id"],
        supervisor=net.supervisor,
        status=status,
        started_at=at - dt.timedelta(hours=1),
        completed_at=at if status == "completed" else None,
        score=score,
        updated_at=at,
    ).save()


async def consultation(net: Network, point: int, at: dt.datetime) -> None:
    await Consultation(
        point=point, agent=net.agents[point], topic="Hỏi thủ tục", outcome="resolved", at=at
    ).save()


async def build_network() -> Network:
    org_a = await factories.organisation(name="Bưu điện Hà Nội (thử)")
    org_b = await factories.organisation(name="Công ty Số (thử)")
    p1 = await factories.point(organisation_id=org_a, district="Ba Vì", code="DL-R-P1")
    p2 = await factories.point(organisation_id=org_b, district="Ba Vì", code="DL-R-P2")
    p3 = await factories.point(organisation_id=org_a, district="Sóc Sơn", code="DL-R-P3")
    agents = {p: await factories.user(role="agent", point_id=p) for p in (p1, p2, p3)}
    net = Network(org_a, org_b, p1, p2, p3, agents, await factories.procedure())
    net.supervisor = await factories.user(role="supervisor", username="r.giamsat")
    await Holiday.insert(
        Holiday(day=D(2025, 9, 1), name="Quốc khánh (liền kề)"),
        Holiday(day=D(2025, 9, 2), name="Quốc khánh"),
    )

    # P1 (Ba Vì, organisation A)
    # carried over; resolved early (1 Jul < due 2 Jul); working days 26, 27, 30 Jun, 1 Jul: 4
    await dossier(net, "d1", p1, received=vn(2025, 6, 25, 10), due=D(2025, 7, 2),
                  resolved=vn(2025, 7, 1, 9), status="resolved")  # fmt: skip
    # received; resolved on the appointment date; working days 11, 14, 15 Jul: 3
    await dossier(net, "d2", p1, received=vn(2025, 7, 10, 8), due=D(2025, 7, 15),
                  resolved=vn(2025, 7, 15, 16), finished=vn(2025, 7, 16),
                  status="result_returned")  # fmt: skip
    # received Fri 29 Aug; resolved late Thu 4 Sep; 1–2 Sep are holidays: 3, 4 Sep: 2
    await dossier(net, "d3", p1, received=vn(2025, 8, 29), due=D(2025, 9, 3),
                  resolved=vn(2025, 9, 4, 10), status="resolved")  # fmt: skip
    # in progress at the end, on time (due after 30 Sep)
    await dossier(net, "d4", p1, received=vn(2025, 9, 25, 10), due=D(2025, 10, 2))
    # in progress at the end, overdue: due on the last day and still not resolved
    await dossier(net, "d5", p1, received=vn(2025, 9, 10, 10), due=D(2025, 9, 30))
    # received at 23:30 on the last day, by post: in the period; in progress, on time
    await dossier(net, "d6", p1, received=vn(2025, 9, 30, 23, 30), due=D(2025, 10, 3),
                  channel="postal")  # fmt: skip
    # received at 00:00 on 1 Oct: not in Q3 at all (Q4's)
    await dossier(net, "d7", p1, received=vn(2025, 10, 1, 0), due=D(2025, 10, 6))
    # received at 00:00 on 1 Jul (in Q3), resolved in Q4: in progress at the end, overdue
    await dossier(net, "d8", p1, received=vn(2025, 7, 1, 0), due=D(2025, 7, 5),
                  resolved=vn(2025, 10, 2), status="resolved")  # fmt: skip
    # received 23:59:59 on 30 Jun: carried over; withdrawn in Q3: closed without a result
    await dossier(net, "d9", p1, received=vn(2025, 6, 30, 23, 59, 59),
                  finished=vn(2025, 8, 5), status="withdrawn")  # fmt: skip
    # resolved in Q2 and handed over in Q3: not in Q3's report
    await dossier(net, "d10", p1, received=vn(2025, 5, 5), due=D(2025, 5, 12),
                  resolved=vn(2025, 6, 20), finished=vn(2025, 7, 3),
                  status="result_returned")  # fmt: skip
    # withdrawn in Q2: not in Q3's report
    await dossier(net, "d11", p1, received=vn(2025, 5, 10), finished=vn(2025, 6, 15),
                  status="withdrawn")  # fmt: skip
    # never received (a draft; a cancelled one finished in Q3): not counted
    await dossier(net, "d12", p1, received=None, status="draft")
    await dossier(net, "d12b", p1, received=None, finished=vn(2025, 8, 1), status="cancelled")
    # resolved 0.1 ms before midnight on the last day, online: on time; working days: 1
    await dossier(net, "d13", p1, received=vn(2025, 9, 29), due=D(2025, 9, 30),
                  resolved=vn(2025, 9, 30, 23, 59, 59, 999900), channel="online",
                  status="resolved")  # fmt: skip

    # P2 (Ba Vì, organisation B)
    # online, resolved early; working days 16, 17 Jul: 2
    await dossier(net, "e1", p2, received=vn(2025, 7, 15), due=D(2025, 7, 18),
                  resolved=vn(2025, 7, 17), channel="online", status="resolved")  # fmt: skip
    # by post, resolved on time; working days 4, 5, 6 Aug: 3
    await dossier(net, "e2", p2, received=vn(2025, 8, 1), due=D(2025, 8, 6),
                  resolved=vn(2025, 8, 6, 14), channel="postal", status="resolved")  # fmt: skip

    # P3 (Sóc Sơn, organisation A)
    # received in Q1, still in progress: carried over, overdue at the end
    await dossier(net, "f1", p3, received=vn(2025, 3, 10), due=D(2025, 3, 20))
    # received and resolved the same day: early, 0 working days
    await dossier(net, "f2", p3, received=vn(2025, 9, 29, 8), due=D(2025, 10, 2),
                  resolved=vn(2025, 9, 29, 15), status="resolved")  # fmt: skip

    # Ratings: P1 three in Q3 (one of each level), one in June and one on 1 Oct; P3 one.
    await rating(net, p1, "very_satisfied", vn(2025, 7, 20))
    await rating(net, p1, "satisfied", vn(2025, 8, 20))
    await rating(net, p1, "dissatisfied", vn(2025, 9, 20))
    await rating(net, p1, "dissatisfied", vn(2025, 6, 20))
    await rating(net, p1, "dissatisfied", vn(2025, 10, 1, 0))
    await rating(net, p3, "satisfied", vn(2025, 9, 2))
    # Spot checks: P1 80 and 90 in Q3 (+ one unfinished, one in June); P2 70.
    await spot_check(net, p1, 80, vn(2025, 8, 10))
    await spot_check(net, p1, 90, vn(2025, 9, 15))
    await spot_check(net, p1, 10, vn(2025, 9, 16), status="in_progress")
    await spot_check(net, p1, 20, vn(2025, 6, 30, 23))
    await spot_check(net, p2, 70, vn(2025, 7, 30))
    # Consultations: P1 two in Q3 and one in Q2; P3 one.
    await consultation(net, p1, vn(2025, 7, 2))
    await consultation(net, p1, vn(2025, 9, 30, 23, 59))
    await consultation(net, p1, vn(2025, 6, 30, 12))
    await consultation(net, p3, vn(2025, 8, 8))
    return net


# Worked out by hand from the lines above (see the comments).
EXPECTED_Q3 = {
    "P1": dict(
        carried_over=2, received=7, received_total=9, received_online=6,
        received_in_person_or_postal=1, resolved=4, resolved_early=1, resolved_on_time=2,
        resolved_late=1, in_progress=4, in_progress_on_time=2, in_progress_overdue=2, closed=1,
        working_days_count=4, working_days_sum=10, average_working_days=2.5,
        ratings=3, ratings_very_satisfied=1, ratings_satisfied=1, ratings_dissatisfied=1,
        satisfaction_rate=2 / 3, checks=2, spot_check_score=85.0, consultations=2,
    ),
    "P2": dict(
        carried_over=0, received=2, received_total=2, received_online=1,
        received_in_person_or_postal=1, online_share=0.5, resolved=2, resolved_early=1,
        resolved_on_time=1, resolved_late=0, in_progress=0, closed=0, working_days_sum=5,
        average_working_days=2.5, ratings=0, satisfaction_rate=None, checks=1,
        spot_check_score=70.0, consultations=0,
    ),
    "P3": dict(
        carried_over=1, received=1, received_online=1, online_share=1.0, resolved=1,
        resolved_early=1, resolved_on_time=0, resolved_late=0, in_progress=1,
        in_progress_overdue=1, working_days_count=1, working_days_sum=0,
        average_working_days=0.0, ratings=1, satisfaction_rate=1.0, checks=0,
        spot_check_score=None, consultations=1,
    ),
    "Ba Vì": dict(
        carried_over=2, received=9, received_online=7, resolved=6, resolved_early=2,
        resolved_on_time=3, resolved_late=1, in_progress=4, in_progress_overdue=2, closed=1,
        working_days_sum=15, average_working_days=2.5, ratings=3, satisfaction_rate=2 / 3,
        checks=3, spot_check_score=80.0, consultations=2,
    ),
    "total": dict(
        carried_over=3, received=10, received_total=13, received_online=8, online_share=0.8,
        resolved=7, resolved_early=3, resolved_on_time=3, resolved_late=1, in_progress=5,
        in_progress_on_time=2, in_progress_overdue=3, closed=1, working_days_count=7,
        working_days_sum=15, average_working_days=15 / 7, ratings=4, satisfaction_rate=0.75,
        checks=3, spot_check_score=80.0, consultations=3,
    ),
}  # fmt: skip


def user_of(user_id: int, role: str, *, organisation_id=None, point_id=None) -> CurrentUser:
    return CurrentUser(
        id=user_id,
        username=f"u{user_id}",
        full_name="Người đọc báo cáo",
        role=role,
        point_id=point_id,
        organisation_id=organisation_id,
    )


def figure_cells(tr, keys: list[str | None]) -> dict[str, str]:
    """One row of a figures table (lxml) as {figure key: text}; `keys` are the table's
    `<col data-figure>` in column order (cells follow them, spans counted)."""
    cells, column = {}, 0
    for cell in tr:
        if cell.tag not in ("th", "td"):
            continue
        key = keys[column] if column < len(keys) else None
        if key and cell.tag == "td":
            cells[key] = "".join(cell.itertext()).strip()
        column += int(cell.get("colspan", "1"))
    return cells


def figure_rows(table) -> dict[str, dict[str, str]]:
    """A figures table (lxml) as {row header: {figure key: text}}, the total row included."""
    keys = [col.get("data-figure") for col in table.iter("col")]
    rows = {}
    for tr in table.iter("tr"):
        head = tr.find("th")
        cells = figure_cells(tr, keys)
        if head is not None and cells:
            rows["".join(head.itertext()).strip()] = cells
    return rows


# The same for a page in the browser (Playwright): the cells of the row whose header holds
# the label.
FIGURE_CELLS_JS = """([id, label]) => {
  const table = document.getElementById(id);
  const keys = [...table.querySelectorAll("col")].map((col) => col.dataset.figure || "");
  for (const tr of table.querySelectorAll("tr")) {
    const head = tr.querySelector("th");
    if (!head || !head.textContent.includes(label)) continue;
    const cells = {};
    let column = 0;
    for (const cell of tr.children) {
      if (keys[column] && cell.tagName === "TD") cells[keys[column]] = cell.innerText.trim();
      column += cell.colSpan;
    }
    return cells;
  }
  return null;
}"""


async def browser_figure_cells(page, table_id: str, row_label: str) -> dict[str, str]:
    cells = await page.evaluate(FIGURE_CELLS_JS, [table_id, row_label])
    assert cells is not None, f"no row {row_label!r} in #{table_id}"
    return cells
