"""The report's query strings, fuzzed with hostile values (the report has no POST: its filters
are GET parameters): never a 5xx, nothing echoed unescaped, and a refusal says what is wrong
in Vietnamese, next to the field."""

from __future__ import annotations

import urllib.parse

from hypothesis import strategies as st

from tests import factories
from tests.fuzz.harness import check_response, form_fields, fuzz
from tests.reports.support import build_network

PATHS = (
    "/giam-sat/tong-quan",
    "/giam-sat/tong-quan/bao-cao.xlsx",
    "/giam-sat/tong-quan/in",
    "/giam-sat/tong-quan/chon-diem",
)


def _query(items: list[tuple[str, str]]) -> str:
    """The items as a query string; values cut at 1,000 characters (a URL carries some
    kilobytes: httpx refuses 64 KB before the server could)."""
    return "&".join(
        urllib.parse.quote(k[:1000], safe="", errors="surrogatepass")
        + "="
        + urllib.parse.quote(v[:1000], safe="", errors="surrogatepass")
        for k, v in items
    )


async def test_report_filters(client):
    net = await build_network()
    await factories.user(role="point_manager", username="fuzz.manager", organisation_id=net.org_a)
    await client.login("fuzz.manager")
    fields = {
        "loai": st.sampled_from(["quy", "thang", "khoang"]),
        "quy": st.sampled_from(["2025-Q3", "2025-q1", "2026-Q4", "1999-Q2"]),
        "thang": st.sampled_from(["2025-09", "09/2025", "2025-13"]),
        "tu": st.sampled_from(["2025-07-01", "01/07/2025", "2025-02-30"]),
        "den": st.sampled_from(["2025-09-30", "30/09/2025", "2030-01-01"]),
        "huyen": st.sampled_from(["Ba Vì", "Sóc Sơn", ""]),
        "giai_doan": st.sampled_from(["1", "2", ""]),
        "diem": st.sampled_from([str(net.p1), str(net.p2), str(net.p3), "0"]),
    }

    async def example(value):
        path, htmx, items = value
        url = f"{path}?{_query(items)}"
        headers = {"HX-Request": "true", "HX-Target": "report-figures"} if htmx else {}
        response = await client.get(url, headers=headers)
        check_response(response, where=f"GET {url[:300]}")
        if response.status_code == 200 and path.endswith(".xlsx"):
            assert response.content[:2] == b"PK"
        if "DL-R-P2" in response.text:  # organisation B's point: never the manager's
            raise AssertionError(f"GET {url[:300]} shows another organisation's point")

    await fuzz(st.tuples(st.sampled_from(PATHS), st.booleans(), form_fields(fields)), example)
