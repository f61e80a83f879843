"""Production mode, more than one process: two app servers (`python -m app serve`, production
settings) on different ports share one PostgreSQL database and one Redis, as N workers behind
a load balancer do. A person whose requests land on either process in turn sees one
application: a session made by one is honoured (and ended) by the other; sign-in failures and
citizen look-ups are throttled where one process alone would throttle them; a dossier changed
through one is what the other shows at once, to the citizen's status page and to its poll.

Runs in the PostgreSQL pass of `make test` (the servers use that run's database); needs Redis
at TEST_REDIS_PROCESSES_URL (default db 12 of the local server, whose `dvc:*` keys it
deletes before and after): skipped with the reason when Redis does not answer, failed
instead under CI=true.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import httpx
import pytest

from app.dossiers.states import LABELS, S
from app.settings import Settings
from app.web.i18n import translator
from tests import factories
from tests.conftest import USING_POSTGRES
from tests.servers import cookie_header, csrf_token, post_form, redis_forget, server, sign_in

REDIS_URL = os.environ.get("TEST_REDIS_PROCESSES_URL", "redis://127.0.0.1:6379/12")
TOKEN = "procs-status-token-0123456789abcdef"

pytestmark = pytest.mark.skipif(
    not USING_POSTGRES, reason="runs in the PostgreSQL pass (production mode is PostgreSQL)"
)


def _redis_or_skip() -> None:
    from redis import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except Exception as exc:  # no server, or not a Redis
        reason = f"Redis does not answer at {REDIS_URL} ({type(exc).__name__})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required under CI: {reason}")
        pytest.skip(reason)
    finally:
        client.close()


@pytest.fixture
async def shared_world():
    """What both processes read: a point, two agents, a dossier whose documents are in."""
    point = await factories.point(code="DL-PROC-002")
    await factories.user(role="agent", username="daily.one", point_id=point)
    await factories.user(role="agent", username="daily.two", point_id=point)
    from app.accounts.tables import User

    agent = (await User.select(User.id).where(User.username == "daily.one").first())["id"]
    dossier = await factories.dossier(
        point_id=point, agent_id=agent, token=TOKEN, phone="0987654321", with_components=True
    )
    from app.dossiers.tables import Dossier

    reference = (await Dossier.select(Dossier.reference).where(Dossier.id == dossier).first())[
        "reference"
    ]
    return {"dossier": dossier, "reference": reference}


@pytest.fixture
def two_processes(shared_world):
    _redis_or_skip()
    redis_forget(REDIS_URL)
    workdir = Path(tempfile.mkdtemp(prefix="dvc-prod-procs-"))
    env = {
        **os.environ,
        **_env(workdir),
    }
    try:
        with server(env, log_name="one") as one, server(env, log_name="two") as two:
            yield one.base, two.base, shared_world
    finally:
        redis_forget(REDIS_URL)


def _env(workdir: Path) -> dict:
    from tests.servers import production_env

    return production_env(os.environ["DATABASE_URL"], workdir, REDIS_URL)


def _label(state: S) -> str:
    return translator("vi").gettext(LABELS[state])


def _poll_fingerprint(html: str, token: str) -> str:
    match = re.search(rf'hx-get="/theo-doi/{token}/trang-thai\?v=([0-9a-f]+)"', html)
    assert match, "the open status block polls"
    return match.group(1)


def test_two_processes_are_one_application(two_processes) -> None:
    one, two, world = two_processes
    csrf = csrf_token(one)  # signed with the shared SECRET_KEY: valid on both

    # A session made by one process is valid on the other (sessions live in Redis).
    sid = sign_in(one, "daily.one", factories.PASSWORD, csrf)
    home = httpx.get(f"{two}/dai-ly", headers=cookie_header(csrf, sid), timeout=10)
    assert home.status_code == 200
    assert world["reference"] in home.text

    # The citizen's page, served by two, shows the dossier being prepared; its poll has
    # nothing new to say yet.
    status = httpx.get(f"{two}/theo-doi/{TOKEN}", timeout=10)
    assert status.status_code == 200
    assert _label(S.draft) in status.text
    fingerprint = _poll_fingerprint(status.text, TOKEN)
    poll = httpx.get(f"{two}/theo-doi/{TOKEN}/trang-thai?v={fingerprint}", timeout=10)
    assert poll.status_code == 204

    # The agent marks it ready through one; two shows it at once, page and poll alike.
    ready = post_form(one, f"/ho-so/{world['dossier']}/san-sang", {"version": "1"}, csrf, sid)
    assert ready.status_code == 303, ready.text[:300]
    poll = httpx.get(f"{two}/theo-doi/{TOKEN}/trang-thai?v={fingerprint}", timeout=10)
    assert poll.status_code == 200
    assert _label(S.ready) in poll.text
    assert _label(S.ready) in httpx.get(f"{two}/theo-doi/{TOKEN}", timeout=10).text

    # Signing out on two ends the session on one.
    assert post_form(two, "/dang-xuat", {}, csrf, sid).status_code == 303
    after = httpx.get(f"{one}/dai-ly", headers=cookie_header(csrf, sid), timeout=10)
    assert after.status_code == 303

    # Sign-in failures alternate between the processes; the limit is met where one process
    # alone would meet it, and then even the right password is refused by both.
    per_account = Settings.login_max_failures_per_account
    failures = [
        post_form(
            (one, two)[n % 2],
            "/dang-nhap",
            {"username": "daily.two", "password": "sai-mat-khau"},
            csrf,
        ).status_code
        for n in range(per_account)
    ]
    assert failures == [400] * per_account
    for base in (one, two):
        refused = post_form(
            base, "/dang-nhap", {"username": "daily.two", "password": factories.PASSWORD}, csrf
        )
        assert refused.status_code == 429, base
        assert "sid" not in refused.headers.get("set-cookie", "")

    # Citizen look-ups with wrong digits, alternating: counted in Redis, limited as one.
    per_code = Settings.lookup_max_per_code
    wrong = [
        post_form(
            (one, two)[n % 2], "/tra-cuu", {"code": world["reference"], "last4": "0000"}, csrf
        ).status_code
        for n in range(per_code)
    ]
    assert wrong == [400] * per_code
    for base in (one, two):
        right = post_form(base, "/tra-cuu", {"code": world["reference"], "last4": "4321"}, csrf)
        assert right.status_code == 429, base
