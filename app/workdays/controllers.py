"""Routes of the workdays feature."""

ROUTES: list = []
