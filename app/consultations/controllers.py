"""Routes of the consultations feature."""

ROUTES: list = []
