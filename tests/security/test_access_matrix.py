"""The access matrix: every route of the real app, called by every kind of person, against
the objects of one agent point (A), compared with what ACCESS below declares.

Routes come from the app's own route table, so a new route fails `test_every_route_is_declared`
until someone decides, in ACCESS, who may call it. A new path parameter (say
`{spot_check_id:int}` when spot checks arrive) fails until FILL knows which object of point A
to put there.

Beyond the declared outcomes, three rules hold whatever ACCESS says (they are what a "leak" is):
- a role that must not see point A's objects never gets a 2xx on a URL naming one of them;
- such a role never gets a response (of any status) carrying point A's applicant name, dossier
  reference, point name or consultation (the citizen's status pages, whose token is the
  credential, and the development simulators are the only public views of them);
- nobody gets the full CCCD number, phone, date of birth or address, except the point's
  agents and admins on the audited "show full personal data" fragment.
Every route is called plainly and as an HTMX request; POSTs carry a valid CSRF token and a
plausible body (the current version, real ids), so that only the access checks stand between
the request and the change. Refused POSTs run before allowed ones, and the fixtures are
checked untouched in between; allowed POSTs that destroy something run last.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from litestar.routes import ASGIRoute, HTTPRoute

from tests import factories
from tests.capture.support import document_photo, upload

ANON, AGENT_A, AGENT_B, MANAGER_A, MANAGER_OTHER, SUPERVISOR, ADMIN = ROLES = (
    "anonymous",
    "agent of point A",
    "agent of point B",
    "manager of A's organisation",
    "manager of another organisation",
    "supervisor",
    "admin",
)
SEES_A = {AGENT_A, MANAGER_A, SUPERVISOR, ADMIN}  # scope_to_user lets them read point A's rows
FULL_PII_ROLES = {AGENT_A, ADMIN}  # dossier_reveal_personal_data
A_OBJECT_PARAMS = {
    "dossier_id",
    "uid",
    "component_id",
    "check_id",
    "photo_uid",
    "point_id",
    "organisation_id",
}  # a 2xx on these is a leak for others
SKIPPED_METHODS = {"OPTIONS", "HEAD"}  # Litestar's automatic OPTIONS answers no data


# ---------------------------------------------------------------------------
# Outcome classes


@dataclass(frozen=True)
class Outcome:
    name: str
    check: Callable[[httpx.Response, bool], bool]

    def __repr__(self) -> str:
        return self.name


def _location(r: httpx.Response) -> str:
    return r.headers.get("location", "")


def _to_login(r: httpx.Response, htmx: bool) -> bool:
    if htmx:
        return r.status_code == 401 and r.headers.get("hx-redirect", "").startswith(
            "/dang-nhap?next="
        )
    return r.status_code == 303 and _location(r).startswith("/dang-nhap?next=")


def _redirect(r: httpx.Response) -> bool:
    return 300 <= r.status_code < 400 and not _location(r).startswith("/dang-nhap?next=")


OK = Outcome("OK 2xx", lambda r, hx: 200 <= r.status_code < 300)
REDIRECT = Outcome("REDIRECT 3xx", lambda r, hx: _redirect(r))
LOGIN = Outcome("LOGIN (303, or 401 + HX-Redirect)", _to_login)
FORBIDDEN = Outcome("FORBIDDEN 403", lambda r, hx: r.status_code == 403)
NOT_FOUND = Outcome("NOT_FOUND 404", lambda r, hx: r.status_code == 404)
# The request reached the handler, which refused what was sent or the state it found.
REFUSED = Outcome("REFUSED 400/409/422/429", lambda r, hx: r.status_code in (400, 409, 422, 429))
# Allowed: done (2xx/3xx), or refused for the dossier's state or the input; never 401/403/404.
PASS = Outcome(
    "PASS (2xx, 3xx, 400/409/422)",
    lambda r, hx: 200 <= r.status_code < 300 or _redirect(r) or r.status_code in (400, 409, 422),
)
# A signed webhook without (a valid) signature.
UNSIGNED = Outcome("UNSIGNED 400/401", lambda r, hx: r.status_code in (400, 401))
# The simulators of outside systems, mounted only outside production (test_cookies checks 404
# there); they show what the portal or the post would hold.
SIMULATOR = Outcome("SIMULATOR (dev only, not 5xx)", lambda r, hx: r.status_code < 500)
# A JSON endpoint called by the page's script: signed out is a 401 it can show, not a redirect.
UNAUTHENTICATED = Outcome("UNAUTHENTICATED 401", lambda r, hx: r.status_code == 401)


def V(plain: Outcome, htmx: Outcome) -> tuple[Outcome, Outcome]:  # noqa: N802
    """Different outcomes for a plain request and an HTMX one."""
    return (plain, htmx)


def everyone(outcome) -> dict:
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome, anon=LOGIN) -> dict:
    return {**dict.fromkeys(ROLES, outcome), ANON: anon}


def only(roles: set[str], allowed, denied=FORBIDDEN) -> dict:
    return {ANON: LOGIN, **{r: allowed if r in roles else denied for r in ROLES if r != ANON}}


AGENTS = {AGENT_A, AGENT_B}
CENTRE_AND_MANAGERS = {MANAGER_A, MANAGER_OTHER, SUPERVISOR, ADMIN}
ADMINS = {ADMIN}
# Reading one of point A's objects: those who see point A; the others are told it does not exist.
READ_A = {
    ANON: LOGIN,
    AGENT_A: OK,
    AGENT_B: NOT_FOUND,
    MANAGER_A: OK,
    MANAGER_OTHER: NOT_FOUND,
    SUPERVISOR: OK,
    ADMIN: OK,
}
# Changing one of point A's objects: only point A's agents (the guard stops everyone else).
CHANGE_A = {**only(AGENTS, PASS), AGENT_B: NOT_FOUND}
CENTRE = {SUPERVISOR, ADMIN}
# A spot check of point A (started by the supervisor): read by those who see point A except its
# agents (checks are the Centre's and the managers' business); changed only by the supervisor
# who started it (the admin may read it, not change it).
READ_CHECK = {**READ_A, AGENT_A: FORBIDDEN, AGENT_B: FORBIDDEN}
CHANGE_CHECK = {**only({SUPERVISOR}, PASS), ADMIN: FORBIDDEN}
# Point A's (or its organisation's) registry pages: managers of A and the Centre; agents are
# refused by role, the other organisation's manager is told it does not exist.
REGISTRY_A = {**only(CENTRE_AND_MANAGERS, OK), MANAGER_OTHER: NOT_FOUND}


@dataclass(frozen=True)
class Row:
    expect: dict
    htmx_target: str = ""  # sent as HX-Target with the HTMX variant
    destroys: bool = False  # an allowed call changes or deletes a fixture: run last, plainly
    probe: str = ""  # appended to a mount's path


# ---------------------------------------------------------------------------
# THE TABLE: (method, path as in the route table) -> outcome per role.

ACCESS: dict[tuple[str, str], Row] = {
    # Site
    ("GET", "/"): Row(signed_in(REDIRECT, anon=OK)),
    ("GET", "/static/{path:path}"): Row(everyone(OK)),
    ("GET", "/healthz"): Row(everyone(OK)),
    ("POST", "/ngon-ngu"): Row(everyone(REDIRECT)),
    ("GET", "/dang-nhap"): Row(signed_in(REDIRECT, anon=OK)),
    ("POST", "/dang-nhap"): Row(everyone(REFUSED)),
    ("POST", "/dang-xuat"): Row(everyone(REDIRECT), destroys=True),
    ("GET", "/manifest.webmanifest"): Row(everyone(OK)),
    ("GET", "/sw.js"): Row(everyone(OK)),
    ("GET", "/ngoai-tuyen"): Row(everyone(OK)),
    ("GET", "/icons/{name:str}"): Row(everyone(OK)),
    ("GET", "/favicon.ico"): Row(everyone(OK)),
    ("GET", "/apple-touch-icon.png"): Row(everyone(OK)),
    # Homes
    ("GET", "/giam-sat"): Row(only(CENTRE_AND_MANAGERS, OK)),
    # Supervision report: every point for the Centre, a manager's organisation's points
    ("GET", "/giam-sat/tong-quan"): Row(
        only(CENTRE_AND_MANAGERS, OK), htmx_target="report-figures"
    ),
    ("GET", "/giam-sat/tong-quan/bao-cao.xlsx"): Row(only(CENTRE_AND_MANAGERS, OK)),
    ("GET", "/giam-sat/tong-quan/in"): Row(only(CENTRE_AND_MANAGERS, OK)),
    ("GET", "/giam-sat/tong-quan/chon-diem"): Row(only(CENTRE_AND_MANAGERS, OK)),
    ("GET", "/giam-sat/tong-quan/cach-tinh"): Row(only(CENTRE_AND_MANAGERS, OK)),
    ("GET", "/giam-sat/tong-quan/qua-han"): Row(only(CENTRE_AND_MANAGERS, OK)),
    ("GET", "/dai-ly"): Row(only(AGENTS, OK), htmx_target="dossier-list"),
    # Catalogue (shared by every point)
    ("GET", "/thu-tuc"): Row(signed_in(OK)),
    ("GET", "/thu-tuc/tim"): Row(signed_in(V(REDIRECT, OK))),
    ("GET", "/thu-tuc/{procedure_id:int}"): Row(signed_in(OK)),
    ("GET", "/quan-tri/thu-tuc"): Row(only(ADMINS, OK)),
    ("GET", "/quan-tri/thu-tuc/moi"): Row(only(ADMINS, OK)),
    ("POST", "/quan-tri/thu-tuc/moi"): Row(only(ADMINS, PASS)),
    ("GET", "/quan-tri/thu-tuc/dong-giay-to"): Row(only(ADMINS, OK)),
    ("GET", "/quan-tri/thu-tuc/{procedure_id:int}/sua"): Row(only(ADMINS, OK)),
    ("POST", "/quan-tri/thu-tuc/{procedure_id:int}/sua"): Row(only(ADMINS, PASS)),
    ("GET", "/quan-tri/thu-tuc/{procedure_id:int}/ngung-ap-dung"): Row(only(ADMINS, OK)),
    ("POST", "/quan-tri/thu-tuc/{procedure_id:int}/ngung-ap-dung"): Row(only(ADMINS, PASS)),
    ("GET", "/quan-tri/thu-tuc/{procedure_id:int}/ap-dung-lai"): Row(only(ADMINS, OK)),
    ("POST", "/quan-tri/thu-tuc/{procedure_id:int}/ap-dung-lai"): Row(only(ADMINS, PASS)),
    ("GET", "/quan-tri/ngay-nghi"): Row(only(ADMINS, OK)),
    ("POST", "/quan-tri/ngay-nghi"): Row(only(ADMINS, PASS)),
    ("POST", "/quan-tri/ngay-nghi/{holiday_id:int}/xoa"): Row(only(ADMINS, PASS), destroys=True),
    ("GET", "/quan-tri/thong-bao"): Row(only(ADMINS, OK)),
    ("GET", "/quan-tri/nhat-ky"): Row(only(ADMINS, OK)),
    ("POST", "/quan-tri/nhat-ky/xuat"): Row(only(ADMINS, OK)),
    ("POST", "/quan-tri/nhat-ky/kiem-tra"): Row(only(ADMINS, V(REDIRECT, OK))),
    # Dossiers
    ("GET", "/ho-so/moi"): Row(only(AGENTS, REDIRECT)),  # no procedure chosen: to the search
    ("POST", "/ho-so/moi"): Row(only(AGENTS, PASS)),
    ("GET", "/ho-so/{dossier_id:int}"): Row(READ_A),
    ("POST", "/ho-so/{dossier_id:int}/thong-tin"): Row(
        {**READ_A, MANAGER_A: FORBIDDEN, SUPERVISOR: FORBIDDEN}
    ),
    ("POST", "/ho-so/{dossier_id:int}/giay-to"): Row(CHANGE_A),
    ("POST", "/ho-so/{dossier_id:int}/san-sang"): Row(CHANGE_A),
    ("POST", "/ho-so/{dossier_id:int}/gui"): Row(CHANGE_A),
    ("POST", "/ho-so/{dossier_id:int}/ma-ho-so"): Row(CHANGE_A),
    ("POST", "/ho-so/{dossier_id:int}/buu-dien"): Row(CHANGE_A),
    ("POST", "/ho-so/{dossier_id:int}/tra-ket-qua"): Row(CHANGE_A),
    ("POST", "/ho-so/{dossier_id:int}/huy"): Row(CHANGE_A, destroys=True),
    ("GET", "/ho-so/{dossier_id:int}/giay-tiep-nhan"): Row(READ_A),
    # Capture: pages, images, PDFs
    ("GET", "/ho-so/{dossier_id:int}/chup"): Row(READ_A),
    ("POST", "/ho-so/{dossier_id:int}/trang"): Row(CHANGE_A),
    ("POST", "/ho-so/{dossier_id:int}/trang/{uid:str}/xoay"): Row(CHANGE_A),
    ("POST", "/ho-so/{dossier_id:int}/trang/{uid:str}/di-chuyen"): Row(CHANGE_A),
    ("POST", "/ho-so/{dossier_id:int}/trang/{uid:str}/giu"): Row(CHANGE_A),
    ("POST", "/ho-so/{dossier_id:int}/trang/{uid:str}/xoa"): Row(CHANGE_A, destroys=True),
    ("GET", "/ho-so/{dossier_id:int}/trang/{uid:str}/anh.jpg"): Row(READ_A),
    ("GET", "/ho-so/{dossier_id:int}/trang/{uid:str}/anh-nho.jpg"): Row(READ_A),
    ("GET", "/ho-so/{dossier_id:int}/giay-to/{component_id:int}/ban-scan.pdf"): Row(READ_A),
    # Consultations: everyone reads their own scope; agents write at their own point.
    ("GET", "/tu-van"): Row(signed_in(OK)),
    ("POST", "/tu-van"): Row(only(AGENTS, PASS)),
    # Citizens: the look-up, and the status pages whose unguessable token is the credential.
    ("GET", "/tra-cuu"): Row(everyone(OK)),
    ("POST", "/tra-cuu"): Row(everyone(REFUSED)),
    ("GET", "/theo-doi/{token:str}"): Row(everyone(OK)),
    ("GET", "/theo-doi/{token:str}/trang-thai"): Row(everyone(OK)),
    ("GET", "/thong-bao/khoa"): Row(everyone(OK)),
    ("POST", "/thong-bao/dang-ky"): Row(everyone(REFUSED)),
    ("POST", "/thong-bao/huy"): Row(everyone(REFUSED)),
    # The citizen's rating, under the status token (point A's dossier is not returned yet).
    ("POST", "/theo-doi/{token:str}/danh-gia"): Row(everyone(REFUSED)),
    # Staff notifications: each signed-in user about their own events, nobody else's.
    ("GET", "/thong-bao/cua-toi"): Row(signed_in(OK)),
    ("POST", "/thong-bao/cua-toi/dang-ky"): Row(signed_in(REFUSED, anon=UNAUTHENTICATED)),
    ("POST", "/thong-bao/cua-toi/huy"): Row(signed_in(REFUSED, anon=UNAUTHENTICATED)),
    ("POST", "/thong-bao/cua-toi/tat-ca"): Row(signed_in(REDIRECT)),
    # Outside systems
    ("POST", "/webhooks/portal"): Row(everyone(UNSIGNED)),
    ("POST", "/webhooks/buu-dien"): Row(everyone(UNSIGNED)),
    ("ASGI", "/mo-phong/cong-dvc"): Row(everyone(SIMULATOR), probe="/sim/"),
    ("ASGI", "/mo-phong/buu-dien"): Row(everyone(SIMULATOR), probe="/sim/"),
    # Spot checks: lists and checks scoped like dossiers, started and changed by the Centre.
    ("GET", "/giam-sat/kiem-tra"): Row(only(CENTRE_AND_MANAGERS, OK)),
    ("GET", "/giam-sat/kiem-tra/moi"): Row(only(CENTRE, OK)),
    ("POST", "/giam-sat/kiem-tra/moi"): Row(only(CENTRE, PASS)),
    ("GET", "/giam-sat/kiem-tra/{check_id:int}"): Row(READ_CHECK),
    ("POST", "/giam-sat/kiem-tra/{check_id:int}/muc/{item_id:int}"): Row(CHANGE_CHECK),
    ("POST", "/giam-sat/kiem-tra/{check_id:int}/luu"): Row(CHANGE_CHECK),
    ("POST", "/giam-sat/kiem-tra/{check_id:int}/muc/{item_id:int}/anh"): Row(CHANGE_CHECK),
    ("POST", "/giam-sat/kiem-tra/{check_id:int}/anh/{photo_uid:str}/xoa"): Row(
        CHANGE_CHECK, destroys=True
    ),
    ("GET", "/giam-sat/kiem-tra/{check_id:int}/anh/{photo_uid:str}/anh.jpg"): Row(READ_CHECK),
    ("GET", "/giam-sat/kiem-tra/{check_id:int}/anh/{photo_uid:str}/anh-nho.jpg"): Row(READ_CHECK),
    ("POST", "/giam-sat/kiem-tra/{check_id:int}/hoan-thanh"): Row(CHANGE_CHECK, destroys=True),
    ("GET", "/giam-sat/mau-kiem-tra"): Row(only(CENTRE, OK)),
    ("POST", "/giam-sat/mau-kiem-tra/moi"): Row(only(CENTRE, PASS)),
    ("GET", "/giam-sat/mau-kiem-tra/{template_id:int}"): Row(only(CENTRE, OK)),
    ("POST", "/giam-sat/mau-kiem-tra/{template_id:int}"): Row(only(CENTRE, PASS)),
    ("POST", "/giam-sat/mau-kiem-tra/{template_id:int}/ap-dung"): Row(only(CENTRE, PASS)),
    # Point registry, organisations, training (the Centre; managers for their organisation)
    ("GET", "/giam-sat/diem"): Row(only(CENTRE_AND_MANAGERS, OK), htmx_target="point-list"),
    ("GET", "/giam-sat/diem/moi"): Row(only(CENTRE_AND_MANAGERS, OK)),
    ("POST", "/giam-sat/diem/moi"): Row(only(CENTRE_AND_MANAGERS, PASS)),
    ("GET", "/giam-sat/diem/{point_id:int}"): Row(REGISTRY_A),
    # Point A is active: its manager may no longer edit it (409), the Centre may.
    ("GET", "/giam-sat/diem/{point_id:int}/sua"): Row({**REGISTRY_A, MANAGER_A: REFUSED}),
    ("POST", "/giam-sat/diem/{point_id:int}/sua"): Row(
        {**REGISTRY_A, MANAGER_A: REFUSED, SUPERVISOR: PASS, ADMIN: PASS}
    ),
    ("POST", "/giam-sat/diem/{point_id:int}/tieu-chi"): Row(only(CENTRE, PASS)),
    ("POST", "/giam-sat/diem/{point_id:int}/trang-thai"): Row(only(CENTRE, PASS), destroys=True),
    ("GET", "/giam-sat/to-chuc"): Row(only(CENTRE_AND_MANAGERS, OK)),
    ("GET", "/giam-sat/to-chuc/moi"): Row(only(CENTRE, OK)),
    ("POST", "/giam-sat/to-chuc/moi"): Row(only(CENTRE, PASS)),
    ("GET", "/giam-sat/to-chuc/{organisation_id:int}"): Row(REGISTRY_A),
    ("GET", "/giam-sat/to-chuc/{organisation_id:int}/sua"): Row(only(CENTRE, OK)),
    ("POST", "/giam-sat/to-chuc/{organisation_id:int}/sua"): Row(only(CENTRE, PASS)),
    ("GET", "/giam-sat/dao-tao"): Row(only(CENTRE, OK)),
    ("POST", "/giam-sat/dao-tao"): Row(only(CENTRE, PASS)),
    ("GET", "/giam-sat/dao-tao/khoa-hoc/{course_id:int}"): Row(only(CENTRE, OK)),
    ("POST", "/giam-sat/dao-tao/khoa-hoc/{course_id:int}"): Row(only(CENTRE, PASS)),
    ("GET", "/giam-sat/dao-tao/buoi/{training_session_id:int}"): Row(only(CENTRE, OK)),
    ("POST", "/giam-sat/dao-tao/buoi/{training_session_id:int}"): Row(only(CENTRE, PASS)),
    # The public point finder: active points' names and addresses are public by design.
    ("GET", "/diem-dai-ly"): Row(everyone(OK)),
}

# Routes whose token parameter is the citizen's credential: anyone holding it sees the dossier.
TOKEN_PARAMS = {"token"}
# Public pages that list active points: a point's name is no secret there.
PUBLIC_POINT_ROUTES = {"/diem-dai-ly"}


# ---------------------------------------------------------------------------
# The world: point A's objects, point B, and one signed-in client per role.

APPLICANT = "Trần Thị Matrận"
ID_NUMBER = "001190098765"
PHONE = "0987650321"
BIRTH = dt.date(1987, 11, 23)
ADDRESS = "Ngõ 77 phố Kiểm Thử, Ba Vì"
POINT_A_NAME = "Điểm Matrận Tây Đằng"
CONSULTED = "Phạm Văn Tưvấn"
TOPIC = "Hỏi về cấp đổi thẻ matrận"
USERNAMES = {
    AGENT_A: "mt.agent.a",
    AGENT_B: "mt.agent.b",
    MANAGER_A: "mt.manager.a",
    MANAGER_OTHER: "mt.manager.b",
    SUPERVISOR: "mt.supervisor",
    ADMIN: "mt.admin",
}


@dataclass
class World:
    point_a: int
    dossier: int
    component: int
    uid: str
    token: str
    reference: str
    procedure: int  # a catalogue procedure (not the dossier's)
    holiday: int
    dossier_b: int
    check: int = 0  # a spot check of point A, in progress, with one photo
    check_item: int = 0
    check_photo: str = ""
    template: int = 0
    organisation_a: int = 0
    course: int = 0
    training_session: int = 0
    jars: dict[str, httpx.Cookies] = field(default_factory=dict)

    def markers(self) -> dict[str, str]:
        """What no one outside point A's scope may read."""
        return {
            "applicant name": APPLICANT,
            "dossier reference": self.reference,
            "point name": POINT_A_NAME,
            "consulted citizen": CONSULTED,
            "consultation topic": TOPIC,
            "status token": self.token,
        }


FULL_PII = {
    "CCCD number": ID_NUMBER,
    "phone": PHONE,
    "date of birth": BIRTH.strftime("%d/%m/%Y"),
    "date of birth (ISO)": BIRTH.isoformat(),
    "address": ADDRESS,
}


async def build_world(client) -> World:
    from app.accounts.tables import User
    from app.dossiers.tables import Applicant, Consultation, Dossier
    from app.points.tables import AgentPoint
    from app.workdays.tables import Holiday

    org_a = await factories.organisation(name="Bưu điện Matrận A")
    org_b = await factories.organisation(name="Công ty Matrận B")
    point_a = await factories.point(organisation_id=org_a, code="DL-MTA-001")
    await AgentPoint.update({AgentPoint.name: POINT_A_NAME}).where(AgentPoint.id == point_a)
    point_b = await factories.point(organisation_id=org_b, code="DL-MTB-001")
    ids = {
        AGENT_A: await factories.user(role="agent", username=USERNAMES[AGENT_A], point_id=point_a),
        AGENT_B: await factories.user(role="agent", username=USERNAMES[AGENT_B], point_id=point_b),
        MANAGER_A: await factories.user(
            role="point_manager", username=USERNAMES[MANAGER_A], organisation_id=org_a
        ),
        MANAGER_OTHER: await factories.user(
            role="point_manager", username=USERNAMES[MANAGER_OTHER], organisation_id=org_b
        ),
        SUPERVISOR: await factories.user(role="supervisor", username=USERNAMES[SUPERVISOR]),
        ADMIN: await factories.user(role="admin", username=USERNAMES[ADMIN]),
    }
    assert await User.count() == len(ids)
    procedure = await factories.procedure(components=2)
    dossier = await factories.dossier(
        point_id=point_a,
        agent_id=ids[AGENT_A],
        procedure_id=procedure,
        full_name=APPLICANT,
        phone=PHONE,
        with_components=True,
    )
    row = await Dossier.select(Dossier.applicant, Dossier.reference, Dossier.status_token).where(
        Dossier.id == dossier
    )
    await Applicant.update(
        {Applicant.id_number: ID_NUMBER, Applicant.date_of_birth: BIRTH, Applicant.address: ADDRESS}
    ).where(Applicant.id == row[0]["applicant"])
    dossier_b = await factories.dossier(
        point_id=point_b, agent_id=ids[AGENT_B], procedure_id=procedure, with_components=True
    )
    await Consultation(
        point=point_a,
        agent=ids[AGENT_A],
        topic=TOPIC,
        outcome="resolved",
        citizen_name=CONSULTED,
        at=dt.datetime.now(dt.UTC),
    ).save()
    holiday = Holiday(day=dt.date(2031, 9, 2), name="Quốc khánh (ma trận)")
    await holiday.save()

    from app.dossiers.tables import DossierComponent

    component = (
        await DossierComponent.select(DossierComponent.id)
        .where(DossierComponent.dossier == dossier)
        .order_by(DossierComponent.position)
        .first()
    )["id"]
    uid = str(uuid.uuid4())
    client.cookies = httpx.Cookies()
    await client.login(USERNAMES[AGENT_A])
    response = await upload(client, dossier, component, PHOTO, page_id=uid)
    assert response.status_code == 201, response.text[:500]

    from tests.inspections.support import items_of
    from tests.inspections.support import start as start_check
    from tests.inspections.support import upload as upload_evidence

    client.cookies = httpx.Cookies()
    await client.login(USERNAMES[SUPERVISOR])
    check = await start_check(client, point_a)
    check_item = (await items_of(check))[0]["item"]
    check_photo = str(uuid.uuid4())
    response = await upload_evidence(client, check, check_item, CHECK_PHOTO, photo_id=check_photo)
    assert response.status_code == 201, response.text[:500]
    from app.inspections.tables import SpotCheck

    template = (await SpotCheck.select(SpotCheck.template).where(SpotCheck.id == check))[0]

    world = World(
        point_a=point_a,
        dossier=dossier,
        component=component,
        uid=uid,
        token=row[0]["status_token"],
        reference=row[0]["reference"],
        procedure=await factories.procedure(name="Thủ tục của danh mục"),
        holiday=holiday.id,
        dossier_b=dossier_b,
        check=check,
        check_item=check_item,
        check_photo=check_photo,
        template=template["template"],
        organisation_a=org_a,
    )
    world.course, world.training_session = await _training_fixtures()
    for role in ROLES:
        client.cookies = httpx.Cookies()
        if role != ANON:
            await client.login(USERNAMES[role])
        await client.csrf_token()
        world.jars[role] = client.cookies
    return world


PHOTO = document_photo((1600, 1200))
CHECK_PHOTO = document_photo((800, 600), seed=4)


async def _training_fixtures() -> tuple[int, int]:
    from app.training.tables import TrainingCourse, TrainingSession

    now = dt.datetime.now(dt.UTC)
    course = TrainingCourse(topic="Khóa ma trận quyền", created_at=now)
    await course.save()
    session = TrainingSession(
        course=course.id,
        day=dt.date(2025, 1, 15),
        trainer="Giảng viên",
        place="Hội trường",
        created_at=now,
    )
    await session.save()
    return course.id, session.id


async def fixtures_state(w: World) -> dict:
    """What a refused call must not have changed."""
    from app.capture.tables import DocumentPage
    from app.catalogue.tables import Procedure
    from app.dossiers.tables import Consultation, Dossier, DossierComponent
    from app.inspections.tables import (
        ChecklistTemplate,
        SpotCheck,
        SpotCheckAnswer,
        SpotCheckPhoto,
    )
    from app.points.tables import AgentPoint, Organisation, PointEvent
    from app.training.tables import TrainingAttendance, TrainingCourse, TrainingSession
    from app.workdays.tables import Holiday

    return {
        "point": await AgentPoint.select(
            AgentPoint.status, AgentPoint.name, AgentPoint.code, AgentPoint.has_premises
        ).where(AgentPoint.id == w.point_a),
        "point events": await PointEvent.count(),
        "organisations": await Organisation.select(Organisation.name, Organisation.tax_code),
        "points": await AgentPoint.count(),
        "training": [
            await TrainingCourse.count(),
            await TrainingSession.count(),
            await TrainingAttendance.count(),
        ],
        "dossier": await Dossier.select(
            Dossier.status, Dossier.version, Dossier.portal_code, Dossier.result_delivery
        ).where(Dossier.id == w.dossier),
        "components": await DossierComponent.select(
            DossierComponent.id, DossierComponent.received
        ).where(DossierComponent.dossier == w.dossier),
        "pages": await DocumentPage.select(
            DocumentPage.uid,
            DocumentPage.rotation,
            DocumentPage.position,
            DocumentPage.accepted_anyway,
        ).where(DocumentPage.dossier == w.dossier),
        "consultations": await Consultation.count().where(Consultation.point == w.point_a),
        "procedure": await Procedure.select(Procedure.is_retired, Procedure.name).where(
            Procedure.id == w.procedure
        ),
        "holidays": await Holiday.count(),
        "spot_check": await SpotCheck.select(SpotCheck.status, SpotCheck.version).where(
            SpotCheck.id == w.check
        ),
        "spot_check_answers": await SpotCheckAnswer.select(
            SpotCheckAnswer.result, SpotCheckAnswer.revision
        ).where(SpotCheckAnswer.check == w.check),
        "spot_check_photos": await SpotCheckPhoto.count(),
        "checks": await SpotCheck.count(),
        "checklists": await ChecklistTemplate.select(
            ChecklistTemplate.id, ChecklistTemplate.is_active, ChecklistTemplate.name
        ),
    }


# ---------------------------------------------------------------------------
# Filling URLs and bodies


FILL: dict[str, Callable[[World], str]] = {
    "dossier_id": lambda w: str(w.dossier),
    "uid": lambda w: w.uid,
    "component_id": lambda w: str(w.component),
    "token": lambda w: w.token,
    "procedure_id": lambda w: str(w.procedure),
    "holiday_id": lambda w: str(w.holiday),
    "point_id": lambda w: str(w.point_a),
    "organisation_id": lambda w: str(w.organisation_a),
    "course_id": lambda w: str(w.course),
    "training_session_id": lambda w: str(w.training_session),
    "path": lambda w: _asset_path("css/app.css"),
    "name": lambda w: _icon_name(),
    "check_id": lambda w: str(w.check),
    "item_id": lambda w: str(w.check_item),
    "photo_uid": lambda w: w.check_photo,
    "template_id": lambda w: str(w.template),
}
# Values nobody holds: a guessed id must give nothing and never a 5xx.
GUESS: dict[str, Callable[[World], str]] = {
    "dossier_id": lambda w: "987654",
    "uid": lambda w: str(uuid.uuid4()),
    "component_id": lambda w: "987654",
    "token": lambda w: secrets.token_urlsafe(24),
    "procedure_id": lambda w: "987654",
    "holiday_id": lambda w: "987654",
    "point_id": lambda w: "987654",
    "organisation_id": lambda w: "987654",
    "course_id": lambda w: "987654",
    "training_session_id": lambda w: "987654",
    "path": lambda w: "css/nothing-here.css",
    "name": lambda w: "icon-nothing-here.png",
    "check_id": lambda w: "987654",
    "item_id": lambda w: "987654",
    "photo_uid": lambda w: str(uuid.uuid4()),
    "template_id": lambda w: "987654",
}
# Ids past the 32-bit integer columns (PostgreSQL refuses them in a query): still only a 404.
HUGE = {
    **GUESS,
    **dict.fromkeys(
        (
            "check_id",
            "item_id",
            "dossier_id",
            "component_id",
            "procedure_id",
            "holiday_id",
            "point_id",
            "organisation_id",
            "course_id",
            "training_session_id",
        ),
        lambda w: "99999999999",
    ),
}
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _asset_path(logical: str) -> str:
    from app.web.static import StaticAssets

    return StaticAssets().url(logical).removeprefix("/static/")


def _icon_name() -> str:
    from app.web.pwa import icons

    return icons()["icon-192.png"].versioned


def fill(path: str, values: dict[str, Callable[[World], str]], w: World) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1)
        assert name in values, (
            f"{path}: no value for path parameter {{{name}}}; add one to FILL and GUESS in "
            f"{__name__} (an object of point A, and one nobody holds)"
        )
        return values[name](w)

    return PARAM.sub(one, path)


async def _version(w: World) -> str:
    from app.dossiers.tables import Dossier

    row = await Dossier.select(Dossier.version).where(Dossier.id == w.dossier).first()
    return str(row["version"])


async def body_for(path: str, w: World) -> dict:
    """A plausible form for each POST (the real version and ids), so that only the access
    checks stand between a caller and the change."""
    if path.startswith("/ho-so/{dossier_id:int}/") and "/trang" not in path:
        return {
            "version": await _version(w),
            "received": str(w.component),
            "reason": "Thử ma trận quyền",
            "portal_code": "H26.99-250101-0001",
            "recipient_name": "Người Nhận",
            "recipient_phone": "0912000111",
            "recipient_address": "Số 2 phố Thử",
        }
    if path == "/giam-sat/kiem-tra/{check_id:int}/muc/{item_id:int}/anh":
        return {
            "form": {"photo_id": str(uuid.uuid4())},
            "files": {"file": ("photo.jpg", CHECK_PHOTO, "image/jpeg")},
        }
    if path.startswith("/giam-sat/kiem-tra/{check_id:int}"):
        from app.inspections.tables import SpotCheck, SpotCheckAnswer

        answer = await SpotCheckAnswer.select(SpotCheckAnswer.revision).where(
            (SpotCheckAnswer.check == w.check) & (SpotCheckAnswer.item == w.check_item)
        )
        check = await SpotCheck.select(SpotCheck.version).where(SpotCheck.id == w.check)
        revision = str(answer[0]["revision"])
        return {
            "result": "pass",
            "note": "Thử ma trận quyền",
            "revision": revision,
            f"result-{w.check_item}": "pass",
            f"revision-{w.check_item}": revision,
            "version": str(check[0]["version"]),
        }
    if path == "/ho-so/{dossier_id:int}/trang":
        return {
            "form": {"component": str(w.component), "page_id": str(uuid.uuid4())},
            "files": {"file": ("page.jpg", PHOTO, "image/jpeg")},
        }
    if path.startswith("/giam-sat/"):
        return _registry_body(path, w)
    return {
        "/tu-van": {"topic": "Hỏi đường", "outcome": "resolved"},
        "/tra-cuu": {"code": w.reference, "last4": "0000"},
        "/ngon-ngu": {"lang": "vi", "next": "/"},
        "/giam-sat/kiem-tra/moi": {
            "point": str(w.point_a),
            "latitude": "21.1",
            "longitude": "105.4",
        },
        "/giam-sat/mau-kiem-tra/{template_id:int}": {"name": "Bảng thử", "label-0": "Mục thử"},
        "/dang-nhap": {"username": "mt.nobody", "password": "wrong-password"},
        "/thong-bao/dang-ky": {"json": {"token": w.token, "subscription": {}}},
        "/thong-bao/huy": {"json": {"token": w.token, "subscription": {}}},
        "/thong-bao/cua-toi/dang-ky": {"json": {"subscription": {}}},
        "/thong-bao/cua-toi/huy": {"json": {"subscription": {}}},
    }.get(path, {})


def _registry_body(path: str, w: World) -> dict:
    point = {
        "code": "DL-MTA-001",
        "name": POINT_A_NAME,
        "organisation": str(w.organisation_a),
        "district_code": "271",
        "commune_code": "09619",
        "address": "Số 1 đường Thử",
        "phase": "1",
    }
    organisation = {"name": "Bưu điện Matrận A", "kind": "postal", "tax_code": "0100109106"}
    return {
        "/giam-sat/diem/moi": {**point, "code": "DL-MTN-001", "name": "Điểm ma trận mới"},
        "/giam-sat/diem/{point_id:int}/sua": point,
        "/giam-sat/diem/{point_id:int}/tieu-chi": {"premises": "on", "review_note": "Thử"},
        "/giam-sat/diem/{point_id:int}/trang-thai": {
            "to": "suspended",
            "from": "active",
            "reason": "Thử ma trận quyền",
        },
        "/giam-sat/to-chuc/moi": {**organisation, "name": "Tổ chức mới", "tax_code": "0102456786"},
        "/giam-sat/to-chuc/{organisation_id:int}/sua": organisation,
        "/giam-sat/dao-tao": {"topic": "Khóa mới"},
        "/giam-sat/dao-tao/khoa-hoc/{course_id:int}": {
            "day": "2025-02-01",
            "trainer": "Cô Lan",
            "place": "Phòng 3",
        },
        "/giam-sat/dao-tao/buoi/{training_session_id:int}": {"diem": str(w.point_a)},
    }.get(path, {})


# ---------------------------------------------------------------------------
# Running it


def route_table(app) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            found += [(m, route.path) for m in sorted(route.methods) if m not in SKIPPED_METHODS]
        elif isinstance(route, ASGIRoute):
            found.append(("ASGI", route.path))
        else:  # a websocket, or a kind of route this test does not know yet
            found.append((type(route).__name__, route.path))
    return found


def test_every_route_is_declared(make_app):
    routes = set(route_table(make_app()))
    undeclared = sorted(routes - set(ACCESS))
    stale = sorted(set(ACCESS) - routes)
    assert not undeclared, (
        "Routes without a declared outcome per role (add them to ACCESS in "
        f"tests/security/test_access_matrix.py): {undeclared}"
    )
    assert not stale, f"ACCESS declares routes the app no longer has: {stale}"
    for key, row in ACCESS.items():
        assert set(row.expect) == set(ROLES), f"{key}: declare every role, got {set(row.expect)}"


@dataclass
class Call:
    role: str
    method: str
    route: str
    url: str
    htmx: bool
    expect: Outcome | None


class Matrix:
    def __init__(self, client, world: World) -> None:
        self.client = client
        self.w = world
        self.failures: list[str] = []
        self.calls = 0

    async def send(self, role: str, method: str, route: str, url: str, *, htmx: bool, row: Row):
        client = self.client
        client.cookies = self.w.jars[role]
        headers = {"HX-Request": "true"} if htmx else {}
        if htmx and row.htmx_target:
            headers["HX-Target"] = row.htmx_target
        self.calls += 1
        body: dict = {}
        if method == "GET":
            response = await client.get(url, headers=headers)
        else:
            body = await body_for(route, self.w)
            token = await client.csrf_token()
            if "json" in body:
                headers.update({"X-CSRFToken": token, "Content-Type": "application/json"})
                response = await client.post(url, content=json.dumps(body["json"]), headers=headers)
            elif "files" in body:
                response = await client.submit(
                    url, body["form"], files=body["files"], headers=headers
                )
            else:
                response = await client.submit(url, body, headers=headers)
        self.w.jars[role] = client.cookies
        return response, url + " " + json.dumps(body, default=str, ensure_ascii=False)

    def judge(self, call: Call, response: httpx.Response, sent: str) -> None:
        """`sent`: the URL and body of the request (what the caller typed is no leak)."""
        label = f"{call.method} {call.url}{' [HTMX]' if call.htmx else ''} as {call.role}"
        got = f"got {response.status_code} {_location(response) or ''}".rstrip()
        if response.status_code >= 500:
            self.failures.append(f"DEFECT {label}: {got}")
            return
        if call.expect is not None and not call.expect.check(response, call.htmx):
            self.failures.append(f"MISMATCH {label}: expected {call.expect}, {got}")
        text = response.content.decode("utf-8", "ignore") + " " + _location(response)
        params = set(PARAM.findall(call.route))
        if call.role not in SEES_A and call.method != "ASGI":
            if params & A_OBJECT_PARAMS and 200 <= response.status_code < 300:
                self.failures.append(f"LEAK {label}: {got} on point A's object")
            if not params & TOKEN_PARAMS:
                markers = self.w.markers()
                if call.route in PUBLIC_POINT_ROUTES:
                    markers.pop("point name")
                for what, value in markers.items():
                    if value in text and value not in sent:
                        self.failures.append(f"LEAK {label}: shows point A's {what}")
        reveal = call.route == "/ho-so/{dossier_id:int}/thong-tin" and call.role in FULL_PII_ROLES
        if not reveal and call.method != "ASGI":
            for what, value in FULL_PII.items():
                if value in text:
                    self.failures.append(f"LEAK {label}: shows the full {what}")

    async def run(self, role: str, method: str, route: str, url: str, row: Row, *, variants):
        outcome = row.expect[role]
        for htmx in variants:
            expect = outcome[htmx] if isinstance(outcome, tuple) else outcome
            response, sent = await self.send(
                role, "GET" if method == "ASGI" else method, route, url, htmx=htmx, row=row
            )
            self.judge(Call(role, method, route, url, htmx, expect), response, sent)


def _allowed(outcome) -> bool:
    outcomes = outcome if isinstance(outcome, tuple) else (outcome,)
    return any(o in (OK, REDIRECT, PASS) for o in outcomes)


async def test_access_matrix(client):
    w = await build_world(client)
    m = Matrix(client, w)
    routes = route_table(client.app)
    both = (False, True)
    reads = [(m_, r) for m_, r in routes if m_ in ("GET", "ASGI")]
    writes = [(m_, r) for m_, r in routes if m_ not in ("GET", "ASGI")]

    for role in ROLES:
        for method, route in reads:
            row = ACCESS[(method, route)]
            await m.run(role, method, route, fill(route, FILL, w) + row.probe, row, variants=both)

    before = await fixtures_state(w)
    for role in ROLES:
        for method, route in writes:
            row = ACCESS[(method, route)]
            if not _allowed(row.expect[role]):
                await m.run(role, method, route, fill(route, FILL, w), row, variants=both)
    after = await fixtures_state(w)
    assert after == before, f"a refused call changed point A's objects:\n{before}\n{after}"

    last = []
    for role in ROLES:
        for method, route in writes:
            row = ACCESS[(method, route)]
            if _allowed(row.expect[role]):
                if row.destroys:
                    last.append((role, method, route, row))
                else:
                    await m.run(role, method, route, fill(route, FILL, w), row, variants=both)
    last.sort(key=lambda item: item[2] == "/dang-xuat")  # sign out after everything else
    for role, method, route, row in last:
        await m.run(role, method, route, fill(route, FILL, w), row, variants=(False,))

    assert not m.failures, f"{len(m.failures)} of {m.calls} calls went wrong:\n" + "\n".join(
        m.failures
    )
    assert m.calls > len(routes) * len(ROLES)


async def test_guessed_and_foreign_ids_give_nothing(client):
    """Ids nobody holds (and ids too large for the columns), for every role, plainly and as
    HTMX: never a 2xx, never a 5xx. And an agent of point B naming their own dossier with
    point A's page or document gets nothing."""
    w = await build_world(client)
    m = Matrix(client, w)
    for method, route in route_table(client.app):
        params = set(PARAM.findall(route))
        if not params or method == "ASGI":
            continue
        row = ACCESS[(method, route)]
        for values, variants in ((GUESS, (False, True)), (HUGE, (False,))):
            url = fill(route, values, w)
            for role in ROLES:
                for htmx in variants:
                    response, sent = await m.send(role, method, route, url, htmx=htmx, row=row)
                    m.judge(Call(role, method, route, url, htmx, None), response, sent)
                    if 200 <= response.status_code < 300 and params - {"path", "name"}:
                        m.failures.append(f"LEAK {method} {url} as {role}: 2xx")
        if "dossier_id" in params and params & {"uid", "component_id"}:
            foreign = fill(route, {**FILL, "dossier_id": lambda w: str(w.dossier_b)}, w)
            for htmx in (False, True):
                response, sent = await m.send(AGENT_B, method, route, foreign, htmx=htmx, row=row)
                m.judge(Call(AGENT_B, method, route, foreign, htmx, None), response, sent)
                if 200 <= response.status_code < 300:
                    m.failures.append(f"LEAK {method} {foreign} as {AGENT_B}: 2xx")
    assert m.calls > 0
    assert not m.failures, f"{len(m.failures)} of {m.calls} calls went wrong:\n" + "\n".join(
        m.failures
    )


async def test_odd_numbers_in_queries_and_forms_are_refused_not_crashed(client):
    """Numbers a column cannot hold, and digits that are not ASCII ("²".isdigit() is True),
    in the fields that carry ids and versions: a refusal, never a 5xx."""
    w = await build_world(client)
    client.cookies = w.jars[AGENT_A]
    version = await _version(w)
    for odd in ("99999999999", "²"):
        cases = [
            ("GET", f"/ho-so/moi?thu_tuc={odd}", None),
            ("POST", "/ho-so/moi", {"procedure": odd, "received": odd}),
            ("POST", f"/ho-so/{w.dossier}/giay-to", {"version": odd}),
            ("POST", f"/ho-so/{w.dossier}/giay-to", {"version": version, "received": odd}),
            ("POST", f"/ho-so/{w.dossier}/san-sang", {"version": odd}),
            ("POST", f"/ho-so/{w.dossier}/trang", {"component": odd, "page_id": str(uuid.uuid4())}),
        ]
        for method, url, form in cases:
            if method == "GET":
                response = await client.get(url)
            elif url.endswith("/trang"):
                response = await client.submit(
                    url, form, files={"file": ("page.jpg", PHOTO, "image/jpeg")}
                )
            else:
                response = await client.submit(url, form)
            assert response.status_code < 500, f"{method} {url} {form}: {response.status_code}"
            assert response.status_code not in (200, 201), f"{method} {url} {form} was accepted"
            version = await _version(w)
