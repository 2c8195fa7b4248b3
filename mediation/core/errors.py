"""Errors raised by domain rules; views turn them into messages, never 500s."""


def N_(message: str) -> str:
    """Marks a message for translation (`make extract-messages` finds it); the edge translates it."""
    return message


class DomainError(Exception):
    """A rule refused an operation. `message` is shown to the user (translated at the edge)."""

    def __init__(self, message: str, field: str | None = None, **params):
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params


class TransitionRefused(DomainError):
    """The lifecycle does not allow this action now, or a guard failed."""


class StaleVersion(DomainError):
    """The case changed since the user loaded the page (optimistic locking)."""
