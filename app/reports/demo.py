"""Demo history for the supervision dashboard: about five months of dossiers at the active
demo points (received, resolved early, on time or late, withdrawn, still in progress), so that
`make run` shows figures, charts and an overdue list. Fictitious applicants only."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from app.accounts.tables import Role, User
from app.catalogue.tables import Procedure
from app.db import write_transaction
from app.dossiers.tables import Applicant, Channel, Dossier, DossierEvent
from app.points.tables import AgentPoint, PointStatus
from app.reports.periods import local_date
from app.web.i18n import VN_TZ
from app.workdays.services import load_calendar

DAYS = 150
PER_POINT = 45
APPLICANTS = (
    ("Nguyễn Thị Lan", "001185012345", "0912000001"),
    ("Trần Văn Hùng", "001080054321", "0983000002"),
    ("Lê Thị Mai", "001190067890", "0975000003"),
    ("Phạm Văn Đức", "001075098765", "0868000004"),
    ("Hoàng Thị Hạnh", "001192011223", "0357000005"),
)


def _steps(outcome: str) -> list[str]:
    path = ["draft", "ready", "submitted", "received", "processing"]
    return (
        path
        + {
            "returned": ["resolved", "result_returned"],
            "resolved": ["resolved"],
            "withdrawn": ["withdrawn"],
            "open": [],
        }[outcome]
    )


async def demo_history_load(now: dt.datetime | None = None) -> int:
    """Adds the history once (nothing when the demo points already have dossiers); returns
    how many dossiers it wrote. One transaction: all of it, or nothing."""
    async with write_transaction(Dossier._meta.db):
        return await _load(now or dt.datetime.now(dt.UTC))


async def _load(now: dt.datetime) -> int:
    points = await AgentPoint.select(AgentPoint.id, AgentPoint.code, AgentPoint.organisation).where(
        AgentPoint.status == PointStatus.active.value
    )
    if not points or await Dossier.count():
        return 0
    staff = await User.select(User.id, User.role, User.point, User.organisation)
    procedures = (
        await Procedure.select(Procedure.id, Procedure.processing_days)
        .where(Procedure.agent_allowed.eq(True) & Procedure.is_retired.eq(False))
        .order_by(Procedure.id)
        .limit(6)
    )
    if not procedures or not staff:
        return 0
    calendar = await load_calendar(local_date(now) - dt.timedelta(days=DAYS + 30))
    applicants = []
    for name, id_number, phone in APPLICANTS:
        row = Applicant(
            full_name=name,
            id_number=id_number,
            date_of_birth=dt.date(1960 + len(applicants) * 7, 3, 14),
            sex="female" if "Thị" in name else "male",
            phone=phone,
            address="Hà Nội",
            created_at=now,
        )
        await row.save()
        applicants.append(row.id)
    rng = random.Random(2025)  # noqa: S311 - demo data, the same every time
    written = 0
    for point in points:
        agent = next((s["id"] for s in staff if s["point"] == point["id"]), None)
        agent = agent or next(
            (s["id"] for s in staff if s["organisation"] == point["organisation"]), None
        )
        agent = agent or next(s["id"] for s in staff if s["role"] == Role.agent.value)
        for n in range(PER_POINT):
            received_day = local_date(now) - dt.timedelta(days=rng.randint(0, DAYS))
            while not calendar.is_working_day(received_day):
                received_day -= dt.timedelta(days=1)
            received = dt.datetime.combine(
                received_day, dt.time(rng.randint(8, 15), rng.randint(0, 59)), tzinfo=VN_TZ
            ).astimezone(dt.UTC)
            if received > now:
                received = now - dt.timedelta(hours=1)
            procedure = rng.choice(procedures)
            due = calendar.due_date_for(received, max(procedure["processing_days"], 1))
            roll = rng.random()
            recent = (local_date(now) - received_day).days < 25
            outcome = (
                "open" if recent and roll < 0.5 else "withdrawn" if roll < 0.05
                else "resolved" if roll < 0.2 else "returned"
            )  # fmt: skip
            resolved = finished = None
            if outcome in ("returned", "resolved"):
                timing = rng.random()
                if timing < 0.35:  # early: a few days before the appointment
                    day = max(received_day, due - dt.timedelta(days=rng.randint(1, 3)))
                elif timing < 0.88:
                    day = due
                else:  # late
                    day = calendar.add_working_days(due, rng.randint(1, 4))
                resolved = dt.datetime.combine(day, dt.time(10, 30), tzinfo=VN_TZ)
                resolved = resolved.astimezone(dt.UTC)
                if outcome == "returned":
                    finished = resolved + dt.timedelta(days=1, hours=2)
            elif outcome == "withdrawn":
                finished = received + dt.timedelta(days=2)
            if (resolved and resolved > now) or (finished and finished > now):
                outcome, resolved, finished = "open", None, None
            steps = _steps(outcome)
            code = f"{point['code']}-{received:%y%m%d}-{n:04d}"
            dossier = Dossier(
                reference=code,
                point=point["id"],
                agent=agent,
                procedure=procedure["id"],
                applicant=rng.choice(applicants),
                channel=rng.choices(
                    [Channel.agent_point, Channel.online, Channel.postal], weights=(75, 8, 17)
                )[0].value,
                status=steps[-1],
                portal_code=f"H26.99-{received:%y%m%d}-{point['id']:02d}{n:02d}",
                submission_mode="connector",
                status_token=secrets.token_urlsafe(24),
                consent_version="2025-01",
                consent_at=received - dt.timedelta(minutes=20),
                consent_by=agent,
                submitted_at=received - dt.timedelta(minutes=5),
                received_at=received,
                due_date=due,
                resolved_at=resolved,
                finished_at=finished,
                created_at=received - dt.timedelta(minutes=30),
                updated_at=finished or resolved or received,
            )
            await dossier.save()
            times = {"received": received, "resolved": resolved}
            at = received - dt.timedelta(minutes=30)
            for before, after in zip(["", *steps], steps, strict=False):
                if after in ("result_returned", "withdrawn"):
                    at = finished
                else:
                    at = times.get(after) or at
                await DossierEvent(
                    dossier=dossier.id,
                    at=at,
                    from_status=before,
                    to_status=after,
                    actor_kind="user" if after in ("draft", "ready", "submitted") else "portal",
                    actor=agent if after in ("draft", "ready", "submitted") else None,
                ).save()
            written += 1
    return written
