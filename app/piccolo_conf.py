"""Piccolo configuration: the engine comes from settings, one app holds every table."""

from piccolo.conf.apps import AppRegistry

from app.db import make_engine
from app.settings import get_settings

DB = make_engine(get_settings())

APP_REGISTRY = AppRegistry(apps=["app.piccolo_app"])
