"""The application factory."""

from __future__ import annotations

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.plugins.htmx import HTMXPlugin, HTMXRequest
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

from app.accounts import controllers as accounts_controllers
from app.audit import controllers as audit_controllers
from app.capture import controllers as capture_controllers
from app.catalogue import controllers as catalogue_controllers
from app.consultations import controllers as consultations_controllers
from app.dossiers import controllers as dossiers_controllers
from app.feedback import controllers as feedback_controllers
from app.inspections import controllers as inspections_controllers
from app.integrations import controllers as integrations_controllers
from app.notifications import controllers as notifications_controllers
from app.points import controllers as points_controllers
from app.reports import controllers as reports_controllers
from app.settings import Settings, get_settings
from app.territory import controllers as territory_controllers
from app.tracking import controllers as tracking_controllers
from app.training import controllers as training_controllers
from app.web import controllers as web_controllers
from app.web import pwa
from app.web.errors import EXCEPTION_HANDLERS
from app.web.ids import refuse_impossible_ids
from app.web.lifespan import lifespan
from app.web.security import security_headers_hook
from app.web.sessions import SessionManager, SessionMiddleware
from app.web.static import StaticAssets
from app.web.stores import DatabaseStore
from app.web.templating import template_config
from app.workdays import controllers as workdays_controllers


def make_session_store(settings: Settings) -> Store:
    if settings.session_store == "redis":
        from litestar.stores.redis import RedisStore

        return RedisStore.with_client(url=settings.redis_url, namespace="dvc:session")
    if settings.session_store == "memory":
        return MemoryStore()
    return DatabaseStore(namespace="session")


def bench_routes() -> list:
    from app.web import bench

    return bench.ROUTES


def create_app(settings: Settings | None = None) -> Litestar:
    from app.piccolo_conf import DB

    settings = settings or get_settings()
    assets = StaticAssets()
    sessions = SessionManager(make_session_store(settings), settings)
    secure = settings.cookie_secure
    return Litestar(
        route_handlers=[
            *web_controllers.ROUTES,
            *accounts_controllers.ROUTES,
            *points_controllers.ROUTES,
            *reports_controllers.ROUTES,
            *training_controllers.ROUTES,
            *catalogue_controllers.ROUTES,
            *dossiers_controllers.ROUTES,
            *capture_controllers.ROUTES,
            *integrations_controllers.ROUTES,
            *territory_controllers.ROUTES,
            *workdays_controllers.ROUTES,
            *tracking_controllers.ROUTES,
            *feedback_controllers.ROUTES,
            *consultations_controllers.ROUTES,
            *notifications_controllers.ROUTES,
            *inspections_controllers.ROUTES,
            *audit_controllers.ROUTES,
            *pwa.ROUTES,
            *(bench_routes() if settings.bench_routes else []),
        ],
        state=State({"settings": settings, "engine": DB, "assets": assets, "sessions": sessions}),
        template_config=template_config(assets),
        plugins=[HTMXPlugin()],
        request_class=HTMXRequest,
        middleware=[SessionMiddleware()],
        before_request=refuse_impossible_ids,
        before_send=[security_headers_hook(hsts=settings.is_production)],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="__Host-csrftoken" if secure else "csrftoken",
            cookie_secure=secure,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=[
                "^/webhooks/",
                "^/mo-phong/",
            ],  # signed by HMAC / simulators of outside systems
        ),
        compression_config=CompressionConfig(
            backend="gzip", gzip_compress_level=5, minimum_size=500, exclude="^/static/"
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        request_max_body_size=settings.upload_max_bytes,
        openapi_config=None,
        debug=False,
    )


def __getattr__(name: str):
    # `uvicorn app.main:app` builds the app lazily so importing this module stays cheap.
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)
