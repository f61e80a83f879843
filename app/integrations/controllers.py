"""Routes of the integrations feature."""

ROUTES: list = []
