"""Routes of the notifications feature."""

ROUTES: list = []
