"""The Jinja2 environments: i18n, Vietnamese formatting filters, static URLs, HTMX partials.

The app renders with one environment per locale (`LocalisedTemplateEngine` picks it from the
request). In those, what cannot change while the process runs is worked out once, when a
template is compiled, instead of on every render: `_("a literal")` becomes its translation,
`static_url("a/file")` its versioned address, `current_locale()` the locale. A call in a
Jinja template goes through `Context.call` (several attribute checks), and a page has dozens
of literal messages: this was a third of the status page's rendering time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    Undefined,
    nodes,
    pass_context,
    select_autoescape,
)
from jinja2.ext import Extension
from jinja2.visitor import NodeTransformer
from litestar.exceptions import TemplateNotFoundException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from app.db import Row
from app.web import i18n
from app.web.static import StaticAssets

_MISSING = object()
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


_BADGE = Markup('<span class="status status-%s">%s</span>')


@pass_context
def status_badge(context, state: str) -> Markup:
    """The one way a dossier status is shown: a word plus a shape, never colour alone
    (the `components/status.html` macro, as a function: a macro call costs ~10 µs)."""
    return _BADGE % (state, status_label(context, state))


def _locale_functions(locale: str) -> dict[str, Any]:
    """status_label, status_explanation, status_badge and the `tr` filter bound to a locale:
    plain functions over tables made once, not context lookups on every call."""
    from app.dossiers.states import EXPLANATIONS, LABELS

    t = i18n.translator(locale)
    labels = {s.value: t.gettext(label) for s, label in LABELS.items()}
    explanations = {s.value: t.gettext(text) for s, text in EXPLANATIONS.items()}
    badges = {value: _BADGE % (value, label) for value, label in labels.items()}

    def tr(value: str) -> str:
        return t.gettext(value) if value else ""

    # `_(expression, **values)` as jinja2.ext's newstyle gettext renders it (see
    # _FoldConstantCalls): the translation, made Markup where the template autoescapes, then
    # always %-formatted (so "%%" is "%", and the values are escaped).
    def gettext_markup(message: str, **values: Any) -> Markup:
        return Markup(t.gettext(message)) % values  # noqa: S704 - our catalogue

    def gettext_text(message: str, **values: Any) -> str:
        return t.gettext(message) % values

    return {
        "status_label": labels.__getitem__,
        "status_explanation": explanations.__getitem__,
        "status_badge": badges.__getitem__,
        "tr": tr,
        "gettext_markup": gettext_markup,
        "gettext_text": gettext_text,
    }


def mask_phone(value: str) -> str:
    from app.dossiers.validation import mask_phone as mask

    return mask(value) if value else ""


def mask_id(value: str) -> str:
    from app.dossiers.validation import mask_id_number

    return mask_id_number(value) if value else ""


class _FoldConstantCalls(NodeTransformer):
    """Rewrites calls whose result is fixed for the locale and the process, or that need no
    template context, so that a render does not go through `Context.call` for them (a few
    microseconds each, dozens per page: a fifth of the status page's time):

    - `_("literal")` becomes its translation, and `_("literal %(x)s", x=…)` the translation
      %-formatted at render time, exactly as jinja2.ext's newstyle gettext does;
    - `_(expression, …)` becomes a filter bound to the locale (the same semantics);
    - `static_url("a/file")` and `current_locale()` become their value;
    - `status_label(x)` and the other plain per-locale functions become filters."""

    def __init__(self, env: LocalisedEnvironment, name: str | None, tree: nodes.Template) -> None:
        self.env = env
        self.autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
        self.local = _local_names(tree)

    def visit_Call(self, node: nodes.Call) -> nodes.Node:  # noqa: N802 - visitor protocol
        node = self.generic_visit(node)
        if not isinstance(node.node, nodes.Name) or node.dyn_args:
            return node
        name, args = node.node.name, node.args
        if name in self.local:
            return node  # the template's own macro, import or variable of that name
        if name in ("_", "gettext") and len(args) == 1:
            return self._gettext(node, args[0])
        if node.kwargs or node.dyn_kwargs:
            return node
        if name in self.env.plain_calls and len(args) == 1:
            return nodes.Filter(args[0], name, [], [], None, None, lineno=node.lineno)
        if name not in self.env.foldable or not all(
            isinstance(arg, nodes.Const) and isinstance(arg.value, str) for arg in args
        ):
            return node
        try:
            value = self.env.fold(name, [arg.value for arg in args], self.autoescape)
        except (KeyError, TypeError):  # an unknown static file, a wrong number of arguments
            return node  # left for the render to raise the same error, as it would have
        return nodes.Const(value, lineno=node.lineno, environment=self.env)

    def _gettext(self, node: nodes.Call, message: nodes.Expr) -> nodes.Expr:
        lineno = node.lineno
        if not (isinstance(message, nodes.Const) and isinstance(message.value, str)):
            gettext = "gettext_markup" if self.autoescape else "gettext_text"
            return nodes.Filter(
                message, gettext, [], node.kwargs, None, node.dyn_kwargs, lineno=lineno
            )
        text = i18n.translator(self.env.locale).gettext(message.value)
        template = Markup(text) if self.autoescape else text  # noqa: S704 - our catalogue
        if node.dyn_kwargs is None:
            pairs = [nodes.Pair(nodes.Const(k.key), k.value, lineno=lineno) for k in node.kwargs]
            if not pairs:
                try:
                    return nodes.Const(template % {}, lineno=lineno, environment=self.env)
                except (TypeError, ValueError, KeyError):
                    return node  # a broken message: left for the render to raise, as before
            return nodes.Mod(nodes.Const(template), nodes.Dict(pairs), lineno=lineno)
        return node


def _local_names(tree: nodes.Template) -> set[str]:
    """Names a template defines itself (variables, loop targets, macro names and parameters,
    imports), which hide the environment's globals of the same name."""
    names = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    names.update(m.name for m in tree.find_all(nodes.Macro))
    for imported in tree.find_all(nodes.FromImport):
        names.update(n if isinstance(n, str) else n[1] for n in imported.names)
    return names


class FragmentCache(Extension):
    """`{% cache "name" %}…{% endcache %}`: a fragment that is the same for every request in
    a locale is rendered once per process and locale (a blank form with a dozen translated
    choices cost more than the rest of its page). Only fragments whose output depends on
    nothing but the locale and constants may be cached; where that does not hold, keep them
    out of the block (the name is the key). Without a locale-bound environment, no cache."""

    tags = frozenset({"cache"})

    def parse(self, parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        name = parser.parse_expression()
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_cached", [name])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _cached(self, name: str, caller) -> str:
        cache = getattr(self.environment, "fragments", None)
        if cache is None:
            return caller()
        found = cache.get(name)
        if found is None:
            found = cache[name] = caller()
        return found


class LocalisedEnvironment(Environment):
    """An environment bound to one locale, folding constant calls at compile time."""

    locale: str = i18n.DEFAULT_LOCALE
    foldable = frozenset({"static_url", "current_locale"})
    # Globals that need no template context; also registered as filters (see _locale_functions).
    plain_calls = frozenset({"status_label", "status_explanation", "status_badge"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fragments: dict[str, str] = {}  # FragmentCache: rendered once for this locale

    def getattr(self, obj: Any, attribute: str) -> Any:
        """`obj.attribute` in a template: a database Row's column at once (see app.db.Row),
        anything else as Jinja does."""
        if type(obj) is Row:
            found = obj.get(attribute, _MISSING)
            if found is not _MISSING:
                return found
        return Environment.getattr(self, obj, attribute)

    def fold(self, name: str, args: list[str], autoescape: bool) -> Any:
        if name == "current_locale":
            if args:
                raise TypeError("current_locale() takes no argument")
            return self.locale
        return self.globals[name](*args)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        if tree.find(nodes.EvalContextModifier) is not None:
            return tree  # an {% autoescape %} block: keep every call for the render
        return _FoldConstantCalls(self, name, tree).visit(tree)


def build_environment(assets: StaticAssets, locale: str | None = None) -> Environment:
    """The Jinja environment; with a locale, one bound to it that folds constant calls."""
    cls = LocalisedEnvironment if locale else Environment
    env = cls(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n", FragmentCache],
        undefined=TestableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    if locale:
        env.locale = locale
        bound = i18n.translator(locale)
        env.install_gettext_callables(bound.gettext, bound.ngettext, newstyle=True)
    else:
        env.install_gettext_callables(i18n.ctx_gettext, i18n.ctx_ngettext, newstyle=True)
    env.globals.update(
        static_url=assets.url,
        locales=i18n.LOCALES,
        current_user=current_user,
        current_locale=current_locale,
        current_path=current_path,
        status_label=status_label,
        status_explanation=status_explanation,
        status_badge=status_badge,
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
    if locale:
        bound = _locale_functions(locale)
        for name in ("tr", "gettext_markup", "gettext_text"):
            env.filters[name] = bound.pop(name)
        env.globals.update(bound)
        env.filters.update(bound)  # status_label(x) is compiled as x|status_label
    return env


class _LocalisedTemplate:
    """What the engine hands Litestar: renders with the environment of the request's locale."""

    __slots__ = ("engine", "name")

    def __init__(self, engine: LocalisedTemplateEngine, name: str) -> None:
        self.engine = engine
        self.name = name

    def template(self, locale: str) -> Template:
        return self.engine.environments[locale].get_template(self.name)

    def render(self, *args: Any, **context: Any) -> str:
        request = context.get("request")
        locale = i18n.request_locale(request) if request is not None else i18n.DEFAULT_LOCALE
        return self.template(locale).render(*args, **context)


class LocalisedTemplateEngine(JinjaTemplateEngine):
    """Litestar's Jinja engine over one environment per locale."""

    def __init__(self, assets: StaticAssets) -> None:
        self.environments = {locale: build_environment(assets, locale) for locale in i18n.LOCALES}
        self._templates: dict[str, _LocalisedTemplate] = {}
        super().__init__(engine_instance=self.environments[i18n.DEFAULT_LOCALE])

    def register_template_callable(self, key: str, template_callable) -> None:
        for env in self.environments.values():
            env.globals[key] = pass_context(template_callable)

    def get_template(self, template_name: str) -> _LocalisedTemplate:  # type: ignore[override]
        found = self._templates.get(template_name)
        if found is None:
            # Load it now so a missing template fails here, as Litestar expects.
            try:
                self.environments[i18n.DEFAULT_LOCALE].get_template(template_name)
            except Exception as exc:
                from jinja2 import TemplateNotFound

                if isinstance(exc, TemplateNotFound):
                    raise TemplateNotFoundException(template_name=template_name) from exc
                raise
            found = self._templates[template_name] = _LocalisedTemplate(self, template_name)
        return found


def template_config(assets: StaticAssets) -> TemplateConfig:
    return TemplateConfig(instance=LocalisedTemplateEngine(assets))
