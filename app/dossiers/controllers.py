"""Routes of the dossiers feature."""

ROUTES: list = []
