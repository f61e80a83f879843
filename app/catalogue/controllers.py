"""Routes of the catalogue feature."""

ROUTES: list = []
