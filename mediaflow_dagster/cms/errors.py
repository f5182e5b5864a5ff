"""Errors the ops store raises for requests it must refuse; the API maps them to HTTP codes."""


class NotFound(LookupError):
    """The named campaign, account, object or publication does not exist."""


class Conflict(ValueError):
    """The request contradicts the current state (an illegal transition, a duplicate)."""


class StaleVersion(ValueError):
    """The change was made against a version of the row that is no longer the current one."""


class Invalid(ValueError):
    """A field names something the request cannot use (another campaign's object, an object of
    the wrong type)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
