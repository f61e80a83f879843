"""Demo data for the satisfaction rating: a few dossiers whose result was handed over, most
of them rated (from the status page and from the push invitation), one not yet, so the form
can be tried at /theo-doi/demo-danh-gia-chua-co-0001."""

from __future__ import annotations

import datetime as dt

from app.accounts.tables import User
from app.audit.services import audit_record
from app.catalogue.tables import Procedure
from app.dossiers.services import dossier_transition
from app.dossiers.states import S
from app.dossiers.tables import Applicant, Dossier, DossierEvent
from app.feedback.tables import SatisfactionRating
from app.web.i18n import VN_TZ

OPEN_TOKEN = "demo-danh-gia-chua-co-0001"  # noqa: S105 - a demo status link, printed in the README

# (agent, token, citizen, phone, rating or None)
# rating: (level, attitude, guidance, waiting time, charged extra, comment, source)
DOSSIERS = [
    ("daily.bavi", OPEN_TOKEN, "Nguyễn Văn Bình", "0912000101", None),
    (
        "daily.bavi",
        "demo-danh-gia-da-co-0002",
        "Trần Thị Lan",
        "0912000102",
        (
            "very_satisfied",
            "good",
            "good",
            "good",
            False,
            "Chị nhân viên hướng dẫn rất tận tình.",
            "status",
        ),
    ),
    (
        "daily.bavi",
        "demo-danh-gia-da-co-0003",
        "Lê Văn Hùng",
        "0912000103",
        ("satisfied", "good", "fair", "fair", None, "", "push"),
    ),
    (
        "daily.dongan",
        "demo-danh-gia-da-co-0004",
        "Phạm Thị Mai",
        "0912000104",
        (
            "dissatisfied",
            "fair",
            "poor",
            "poor",
            True,
            "Phải chờ lâu, bị thu thêm phí photo.",
            "status",
        ),
    ),
]


async def demo_ratings() -> None:
    procedure = await Procedure.select(Procedure.id).where(Procedure.agent_allowed.eq(True)).first()
    if procedure is None:
        return
    now = dt.datetime.now(dt.UTC)
    day = (now - dt.timedelta(days=6)).astimezone(VN_TZ)
    for n, (username, token, name, phone, rating) in enumerate(DOSSIERS, start=1):
        agent = (
            await User.select(User.id, User.point, User.point.code.as_alias("code"))
            .where(User.username == username)
            .first()
        )
        applicant = Applicant(
            full_name=name,
            id_number=f"00109001{n:04d}",
            date_of_birth=dt.date(1980 + n, n, 10 + n),
            sex="female" if n % 2 == 0 else "male",
            phone=phone,
            address=f"Số {n} thôn Đông, xã Tây Đằng",
            created_at=now,
        )
        await applicant.save()
        dossier = Dossier(
            reference=f"{agent['code']}-{day:%y%m%d}-09{n:02d}",
            point=agent["point"],
            agent=agent["id"],
            procedure=procedure["id"],
            applicant=applicant.id,
            status=S.submitted.value,
            portal_code=f"000.00.26.H26-{day:%y%m%d}-09{n:02d}",
            status_token=token,
            consent_version="2025-01",
            consent_at=now,
            consent_by=agent["id"],
            submitted_at=now,
            created_at=now,
            updated_at=now,
        )
        await dossier.save()
        await DossierEvent(
            dossier=dossier.id,
            at=now,
            from_status=S.ready.value,
            to_status=S.submitted.value,
            actor_kind="user",
            actor=agent["id"],
        ).save()
        await audit_record(
            action="personal_data_viewed",
            actor_id=agent["id"],
            actor_label=username,
            object_type="dossier",
            object_id=str(dossier.id),
            details={"fields": ["full_name", "id_number", "phone", "email", "address"]},
        )
        for target in (S.received, S.processing, S.resolved):
            await dossier_transition(dossier_id=dossier.id, target=target, actor_kind="portal")
        await dossier_transition(
            dossier_id=dossier.id, target=S.result_returned, actor_kind="user", actor_id=agent["id"]
        )
        if rating is None:
            continue
        level, attitude, guidance, waiting, extra, comment, source = rating
        await SatisfactionRating(
            dossier=dossier.id,
            point=agent["point"],
            agent=agent["id"],
            level=level,
            attitude=attitude,
            guidance=guidance,
            waiting_time=waiting,
            charged_extra=extra,
            comment=comment,
            source=source,
            created_at=now,
        ).save()
