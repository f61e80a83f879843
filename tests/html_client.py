"""A test client that checks every page it fetches the way a careful reviewer would:
status, valid HTML (html5lib, strict), a non-empty <title>, no duplicate ids, and a
CSRF field in every POST form. Text helpers let tests assert on what a person sees."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from xml.etree.ElementTree import Element

import html5lib
import httpx


class Page:
    def __init__(self, response, doc: Element) -> None:
        self.response = response
        self.doc = doc
        self.status_code = response.status_code
        self.headers = response.headers

    @property
    def title(self) -> str:
        node = self.doc.find(".//title")
        return _text(node) if node is not None else ""

    @property
    def lang(self) -> str | None:
        return self.doc.get("lang")

    @property
    def text(self) -> str:
        body = self.doc.find(".//body")
        return _text(body if body is not None else self.doc)

    def select_all(self, tag: str, **attrs: str) -> list[Element]:
        return [
            el
            for el in self.doc.iter(tag)
            if all(el.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def by_id(self, element_id: str) -> Element | None:
        for el in self.doc.iter():
            if el.get("id") == element_id:
                return el
        return None

    def text_of(self, element_id: str) -> str:
        el = self.by_id(element_id)
        assert el is not None, f"no element #{element_id}"
        return _text(el)


def _text(node: Element) -> str:
    return re.sub(r"\s+", " ", "".join(node.itertext())).strip()


def check_html(html: str, *, fragment: bool = False) -> Element:
    parser = html5lib.HTMLParser(
        strict=True, tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False
    )
    doc = parser.parseFragment(html) if fragment else parser.parse(html)
    ids = Counter(el.get("id") for el in doc.iter() if el.get("id"))
    duplicates = [i for i, n in ids.items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in doc.iter("form"):
        if (form.get("method") or "get").lower() == "post":
            names = {i.get("name") for i in form.iter("input")}
            assert "_csrf_token" in names, f"POST form to {form.get('action')} lacks a CSRF field"
    if not fragment:
        title = doc.find(".//title")
        assert title is not None and _text(title), "page has no <title>"
    return doc


class Lifespan:
    """Runs an ASGI app's lifespan in the current event loop (so a PostgreSQL pool opened
    at start-up belongs to the same loop as the test's own queries)."""

    def __init__(self, app) -> None:
        self.app = app
        self.receive: asyncio.Queue = asyncio.Queue()
        self.sent: asyncio.Queue = asyncio.Queue()
        self.task: asyncio.Task | None = None

    async def _expect(self, kind: str) -> None:
        message = await self.sent.get()
        assert message["type"] == kind, message

    async def __aenter__(self) -> Lifespan:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.create_task(self.app(scope, self.receive.get, self.sent.put))
        await self.receive.put({"type": "lifespan.startup"})
        await self._expect("lifespan.startup.complete")
        return self

    async def __aexit__(self, *exc) -> None:
        await self.receive.put({"type": "lifespan.shutdown"})
        await self._expect("lifespan.shutdown.complete")
        await self.task


class PageClient(httpx.AsyncClient):
    """An httpx client on the ASGI app plus `page()` (checked HTML) and `submit()` (CSRF-aware)."""

    @classmethod
    def for_app(cls, app) -> PageClient:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = cls(transport=transport, base_url="http://testserver.local")
        client.app = app
        return client

    async def __aenter__(self) -> PageClient:
        self._lifespan = Lifespan(self.app)
        await self._lifespan.__aenter__()
        return await super().__aenter__()

    async def __aexit__(self, *exc) -> None:
        await super().__aexit__(*exc)
        await self._lifespan.__aexit__(*exc)

    async def page(self, url: str, *, status: int = 200, htmx: bool = False, **kw) -> Page:
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        response = await self.get(url, headers=headers, **kw)
        assert response.status_code == status, (
            f"GET {url}: expected {status}, got {response.status_code}\n{response.text[:2000]}"
        )
        return Page(response, check_html(response.text, fragment=htmx))

    async def csrf_token(self) -> str:
        token = self.cookies.get("csrftoken")
        if not token:
            await self.get("/dang-nhap")
            token = self.cookies.get("csrftoken")
        return token

    async def submit(self, url: str, data: dict | None = None, *, htmx: bool = False, **kw):
        payload = dict(data or {})
        payload.setdefault("_csrf_token", await self.csrf_token())
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        kw.setdefault("follow_redirects", False)
        return await self.post(url, data=payload, headers=headers, **kw)

    async def login(self, username: str, password: str = "correct-horse-battery"):
        response = await self.submit("/dang-nhap", {"username": username, "password": password})
        assert response.status_code == 303, response.text[:1000]
        return response
