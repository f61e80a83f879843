"""The Jinja2 environment: i18n, Vietnamese formatting filters, static URLs, HTMX partials."""

from __future__ import annotations

from pathlib import Path

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Undefined,
    pass_context,
    select_autoescape,
)
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from app.web import i18n
from app.web.static import StaticAssets

TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


class TestableUndefined(StrictUndefined):
    """Missing values may be tested (`{% if errors.name %}`, `x == "a"`, `x or ""`) but never
    printed: rendering one still raises, so a typo in a template cannot pass silently."""

    __slots__ = ()
    __bool__ = Undefined.__bool__
    __eq__ = Undefined.__eq__
    __ne__ = Undefined.__ne__
    __hash__ = Undefined.__hash__


@pass_context
def current_user(context):
    request = context.get("request")
    return request.scope.get("user") if request is not None else None


@pass_context
def current_locale(context) -> str:
    request = context.get("request")
    return i18n.request_locale(request) if request is not None else i18n.DEFAULT_LOCALE


@pass_context
def current_path(context) -> str:
    request = context.get("request")
    return request.url.path if request is not None else "/"


@pass_context
def status_label(context, state: str) -> str:
    from app.dossiers.states import LABELS, S

    return i18n.translator(current_locale(context)).gettext(LABELS[S(state)])


@pass_context
def status_explanation(context, state: str) -> str:
    from app.dossiers.states import EXPLANATIONS, S

    return i18n.translator(current_locale(context)).gettext(EXPLANATIONS[S(state)])


@pass_context
def translate_text(context, value: str) -> str:
    """Translate a stored msgid (or pass free text through) without %-formatting it."""
    return i18n.translator(current_locale(context)).gettext(value) if value else ""


def mask_phone(value: str) -> str:
    from app.dossiers.validation import mask_phone as mask

    return mask(value) if value else ""


def mask_id(value: str) -> str:
    from app.dossiers.validation import mask_id_number

    return mask_id_number(value) if value else ""


def build_environment(assets: StaticAssets) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        undefined=TestableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(i18n.ctx_gettext, i18n.ctx_ngettext, newstyle=True)
    env.globals.update(
        static_url=assets.url,
        locales=i18n.LOCALES,
        current_user=current_user,
        current_locale=current_locale,
        current_path=current_path,
        status_label=status_label,
        status_explanation=status_explanation,
    )
    env.filters.update(
        vn_date=i18n.format_date,
        vn_datetime=i18n.format_datetime,
        vn_number=i18n.format_number,
        vn_money=i18n.format_money,
        mask_phone=mask_phone,
        mask_id=mask_id,
        tr=translate_text,
    )
    return env


def template_config(assets: StaticAssets) -> TemplateConfig:
    env = build_environment(assets)
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(env))
