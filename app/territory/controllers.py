"""Routes of the territory feature."""

ROUTES: list = []
