"""Routes of the tracking feature."""

ROUTES: list = []
