"""The citizen's rating post, under the status page's token (the token is the credential, as
for the status page itself).

With htmx the rating section is swapped in place: the thank-you note, or the form again with
what is wrong. Those answers are 200 because htmx does not swap 4xx responses; the message
says what happened. Without JavaScript a recorded rating redirects (303) to the status page,
which then shows it; a refused post answers its real status (422, 409, 429) with a small page
holding the form and what was typed."""

from __future__ import annotations

from litestar import Request, Response, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.errors import ValidationError
from app.feedback import services
from app.feedback.links import SECTION_ID, SOURCE_PUSH, SOURCE_STATUS
from app.feedback.selectors import panel
from app.tracking.controllers import CITIZEN_HEADERS
from app.web.forms import read_form
from app.web.ratelimit import client_key


def _render(request: Request, context: dict, *, status: int, headers: dict | None = None):
    htmx = request.headers.get("hx-request") == "true"
    return Template(
        template_name="feedback/partials/_rating.html" if htmx else "feedback/rate.html",
        context={"feedback": context},
        status_code=200 if htmx else status,
        headers={**CITIZEN_HEADERS, **(headers or {})},
    )


@post("/theo-doi/{token:str}/danh-gia")
async def rating_submit(request: Request, token: FromPath[str]) -> Response:
    form = await read_form(request)
    source = SOURCE_PUSH if form.get("source") == SOURCE_PUSH else SOURCE_STATUS
    values = services.form_values(form)
    ip = client_key(request.client.host) if request.client else ""
    try:
        rating = await services.rating_submit(
            token=token, form=form, limits=services.rating_limits(request.app), ip=ip
        )
    except ValidationError as exc:
        context = panel(token=token, source=source, values=values, errors=exc.errors)
        return _render(request, context, status=422)
    except services.AlreadyRated as exc:
        context = panel(token=token, rating=exc.rating, already_rated=True)
        return _render(request, context, status=409)
    except services.RatingThrottled as exc:
        context = panel(token=token, source=source, values=values, problem=exc)
        return _render(request, context, status=429, headers={"Retry-After": str(exc.retry_after)})
    if request.headers.get("hx-request") == "true":
        context = panel(token=token, rating=rating, just_rated=True)
        return _render(request, context, status=200)
    return Redirect(
        path=f"/theo-doi/{token}#{SECTION_ID}", status_code=303, headers=CITIZEN_HEADERS
    )


ROUTES = [rating_submit]
