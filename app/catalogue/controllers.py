"""Catalogue pages: the agents' active search and procedure page, the administrator's editor."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.guards import STAFF_ROLES, requires_role
from app.accounts.tables import Role
from app.catalogue import selectors, services
from app.catalogue.search import MAX_QUERY_LENGTH
from app.errors import DomainError, NotFoundError, ValidationError
from app.web.forms import read_form

STAFF = [requires_role(*STAFF_ROLES)]
ADMIN = [requires_role(Role.admin.value)]
SEARCH_PAGE = "/thu-tuc"
ADMIN_LIST = "/quan-tri/thu-tuc"
FIELDS = (
    "code",
    "name",
    "field",
    "authority_level",
    "service_level",
    "processing_days",
    "fee_amount",
    "fee_note",
    "description",
)
ROW_FIELDS = ("id", "name", "copy_kind", "count", "position", "note")
ROW_FLAGS = ("mandatory", "colour", "remove")
ROW_KEY = re.compile(r"^c-(\d{1,3})-[a-z_]+$")
MAX_ROWS = 60
BLANK_ROWS_NEW, BLANK_ROWS_EDIT = 3, 1
MAX_VALUE_LENGTH = 20_000  # longer than any field allows: the message says so, the page stays small
NOTICES = {"saved", "retired", "unretired"}
NEW_VALUES = {"authority_level": "commune", "service_level": "full_online", "fee_amount": "0"}


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str, limit: int) -> str:
    """As typed, minus control characters (never valid in a page), cut to `limit`."""
    return CONTROL.sub("", value[: limit * 2])[:limit]


def _query(request: Request, name: str = "q") -> str:
    return _clean(request.query_params.get(name, ""), MAX_QUERY_LENGTH)


def _number(raw: str, digits: int = 9) -> int | None:
    return int(raw) if re.fullmatch(rf"[0-9]{{1,{digits}}}", raw) else None


def _search_url(query: str) -> str:
    return f"{SEARCH_PAGE}?{urlencode({'q': query})}" if query else SEARCH_PAGE


def _blank_row(index: int) -> dict:
    row = dict.fromkeys(ROW_FIELDS, "")
    row.update(key=str(index), copy_kind="original", count="1", position=str(index + 1))
    row.update(mandatory=True, colour=False, remove=False)
    return row


def _form_input(form: dict[str, str]) -> tuple[dict, list[dict]]:
    """The typed values and document rows of the editor, exactly as submitted."""
    values = {name: _clean(form.get(name, ""), MAX_VALUE_LENGTH) for name in FIELDS}
    values["agent_allowed"] = "agent_allowed" in form
    indexes = sorted({int(m.group(1)) for k in form if (m := ROW_KEY.match(k))})[:MAX_ROWS]
    rows = []
    for index in indexes:
        row = {f: _clean(form.get(f"c-{index}-{f}", ""), MAX_VALUE_LENGTH) for f in ROW_FIELDS}
        row.update({flag: f"c-{index}-{flag}" in form for flag in ROW_FLAGS}, key=str(index))
        rows.append(row)
    return values, rows


def _components(rows: list[dict]) -> list[dict]:
    return [{**row, "is_greyscale": not row["colour"]} for row in rows if not row["remove"]]


def _rows_of(procedure: dict) -> list[dict]:
    rows = []
    for index, c in enumerate(procedure["components"]):
        row = {**c, "key": str(index), "position": str(index + 1), "count": str(c["copies"])}
        row.update(colour=not c["is_greyscale"], remove=False)
        rows.append(row)
    return rows + [_blank_row(len(rows) + i) for i in range(BLANK_ROWS_EDIT)]


def _values_of(procedure: dict) -> dict:
    values = {name: str(procedure[name]) for name in FIELDS}
    values["agent_allowed"] = procedure["agent_allowed"]
    return values


def _summary(errors: dict[str, str], rows: list[dict]) -> list[tuple[str, str, int | None]]:
    """(anchor, message, document number or None) for the error summary, in page order."""
    numbers = {row["key"]: number for number, row in enumerate(rows, start=1)}
    items = []
    for key, message in errors.items():
        match = ROW_KEY.match(key)
        items.append((key, message, numbers.get(match.group(1)) if match else None))
    return items


async def _editor(
    *,
    procedure: dict | None,
    values: dict,
    rows: list[dict],
    errors: dict | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    context = {
        "procedure": procedure,
        "values": values,
        "rows": rows,
        "errors": errors,
        "summary": _summary(errors, rows),
        "next_index": max((int(r["key"]) for r in rows), default=-1) + 1,
        "fields": await selectors.procedure_fields(),
    }
    return Template(
        template_name="catalogue/admin/form.html", context=context, status_code=status_code
    )


async def _save(request: Request, procedure: dict | None) -> Response:
    form = await read_form(request)
    values, rows = _form_input(form)
    if form.get("action") == "add_row":
        rows.append(_blank_row(max((int(r["key"]) for r in rows), default=-1) + 1))
        return await _editor(procedure=procedure, values=values, rows=rows)
    actor = request.scope["user"]
    try:
        if procedure is None:
            procedure_id = await services.procedure_create(
                values=values, components=_components(rows), actor=actor
            )
        else:
            procedure_id = procedure["id"]
            await services.procedure_edit(
                procedure_id=procedure_id, values=values, components=_components(rows), actor=actor
            )
    except ValidationError as exc:
        return await _editor(
            procedure=procedure, values=values, rows=rows, errors=exc.errors, status_code=422
        )
    return Redirect(path=f"{ADMIN_LIST}?xong=saved&id={procedure_id}", status_code=303)


@get(SEARCH_PAGE, guards=STAFF)
async def search_page(request: Request) -> Response:
    query = _query(request)
    result = await selectors.procedure_search(query)
    return Template(template_name="catalogue/search.html", context={"q": query, "result": result})


@get(f"{SEARCH_PAGE}/tim", guards=STAFF)
async def search_results(request: Request) -> Response:
    """The results fragment for HTMX; a plain request is sent to the full page."""
    query = _query(request)
    headers = {"Vary": "HX-Request"}
    if request.headers.get("hx-request") != "true":
        return Redirect(path=_search_url(query), status_code=303, headers=headers)
    result = await selectors.procedure_search(query)
    headers["HX-Replace-Url"] = _search_url(query)
    return Template(
        template_name="catalogue/partials/_results.html",
        context={"q": query, "result": result},
        headers=headers,
    )


@get(f"{SEARCH_PAGE}/{{procedure_id:int}}", guards=STAFF)
async def procedure_page(procedure_id: FromPath[int]) -> Response:
    procedure = await selectors.procedure_detail(procedure_id)
    return Template(template_name="catalogue/detail.html", context={"p": procedure})


@get(ADMIN_LIST, guards=ADMIN)
async def admin_list(request: Request) -> Response:
    query, status = _query(request), _query(request, "trang_thai") or selectors.STATUS_ALL
    status = status if status in selectors.STATUSES else selectors.STATUS_ALL
    result = await selectors.procedure_search(query, status=status, limit=selectors.ADMIN_LIMIT)
    notice, notice_about = _query(request, "xong"), None
    notice_id = _number(_query(request, "id"))
    if notice in NOTICES and notice_id is not None:
        try:
            notice_about = await selectors.procedure_detail(notice_id)
        except NotFoundError:
            notice_about = None
    context = {"q": query, "status": status, "result": result, "notice": notice}
    context["notice_about"] = notice_about
    return Template(template_name="catalogue/admin/list.html", context=context)


@get(f"{ADMIN_LIST}/moi", guards=ADMIN)
async def admin_new() -> Response:
    rows = [_blank_row(i) for i in range(BLANK_ROWS_NEW)]
    values = {**dict.fromkeys(FIELDS, ""), **NEW_VALUES, "agent_allowed": True}
    return await _editor(procedure=None, values=values, rows=rows)


@post(f"{ADMIN_LIST}/moi", guards=ADMIN)
async def admin_create(request: Request) -> Response:
    return await _save(request, None)


@get(f"{ADMIN_LIST}/dong-giay-to", guards=ADMIN)
async def admin_component_row(request: Request) -> Response:
    """One more blank document row for the editor (HTMX), and the next row number."""
    index = _number(_query(request, "rows"), digits=3) or 0
    if index >= MAX_ROWS:
        raise DomainError(services.E_TOO_MANY)
    context = {"row": _blank_row(index), "number": index + 1, "errors": {}, "oob": True}
    return Template(template_name="catalogue/partials/_component_row.html", context=context)


@get(f"{ADMIN_LIST}/{{procedure_id:int}}/sua", guards=ADMIN)
async def admin_edit(procedure_id: FromPath[int]) -> Response:
    procedure = await selectors.procedure_detail(procedure_id)
    return await _editor(
        procedure=procedure, values=_values_of(procedure), rows=_rows_of(procedure)
    )


@post(f"{ADMIN_LIST}/{{procedure_id:int}}/sua", guards=ADMIN)
async def admin_update(request: Request, procedure_id: FromPath[int]) -> Response:
    return await _save(request, await selectors.procedure_detail(procedure_id))


async def _confirm(procedure_id: int, retire: bool) -> Response:
    procedure = await selectors.procedure_detail(procedure_id)
    context = {
        "p": procedure,
        "retire": retire,
        "dossiers": await selectors.procedure_dossier_count(procedure_id),
    }
    return Template(template_name="catalogue/admin/confirm.html", context=context)


@get(f"{ADMIN_LIST}/{{procedure_id:int}}/ngung-ap-dung", guards=ADMIN)
async def admin_retire_confirm(procedure_id: FromPath[int]) -> Response:
    return await _confirm(procedure_id, retire=True)


@post(f"{ADMIN_LIST}/{{procedure_id:int}}/ngung-ap-dung", guards=ADMIN)
async def admin_retire(request: Request, procedure_id: FromPath[int]) -> Response:
    await services.procedure_retire(procedure_id=procedure_id, actor=request.scope["user"])
    return Redirect(path=f"{ADMIN_LIST}?xong=retired&id={procedure_id}", status_code=303)


@get(f"{ADMIN_LIST}/{{procedure_id:int}}/ap-dung-lai", guards=ADMIN)
async def admin_unretire_confirm(procedure_id: FromPath[int]) -> Response:
    return await _confirm(procedure_id, retire=False)


@post(f"{ADMIN_LIST}/{{procedure_id:int}}/ap-dung-lai", guards=ADMIN)
async def admin_unretire(request: Request, procedure_id: FromPath[int]) -> Response:
    await services.procedure_unretire(procedure_id=procedure_id, actor=request.scope["user"])
    return Redirect(path=f"{ADMIN_LIST}?xong=unretired&id={procedure_id}", status_code=303)


ROUTES = [
    search_page,
    search_results,
    procedure_page,
    admin_list,
    admin_new,
    admin_create,
    admin_component_row,
    admin_edit,
    admin_update,
    admin_retire_confirm,
    admin_retire,
    admin_unretire_confirm,
    admin_unretire,
]
