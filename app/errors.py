"""Domain errors raised by services; the web layer turns them into localised messages."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the action. `message` is a catalogue msgid."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params


class NotFoundError(DomainError):
    status_code = 404


class PermissionDeniedError(DomainError):
    status_code = 403


class ValidationError(DomainError):
    """One or more fields are wrong; `errors` maps field name to msgid."""

    status_code = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())), field=next(iter(errors)))
        self.errors = errors
