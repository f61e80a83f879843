"""The installable app: manifest, icons, service worker, offline page."""

ROUTES: list = []
