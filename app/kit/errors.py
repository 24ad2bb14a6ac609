"""One error hierarchy. Services raise these; the renderers in ``problems`` turn them into
RFC 9457 problem documents for the API (and, later, pages for the browser)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DukError(Exception):
    status: int = 500
    slug: str = "internal"
    title: str = "Internal server error"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


class Unauthorized(DukError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class LoginRequired(Unauthorized):
    """A page was asked for without a live browser session: the page answers with sign-in."""

    slug = "login-required"


class Forbidden(DukError):
    status, slug, title = 403, "forbidden", "Not allowed"


class FamilyModeOn(Forbidden):
    """A staff page or form asked for by a browser session in family mode (DESIGN §12): the
    tablet shows only the family's own things until the worker signs in again."""

    slug = "family-mode"


class NotFound(DukError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(DukError):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(DukError):
    status, slug, title = 412, "precondition-failed", "The record has changed"


class PayloadTooLarge(DukError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(DukError):
    status, slug, title = 415, "unsupported-media-type", "Send JSON"


class PreconditionRequired(DukError):
    status, slug, title = 428, "precondition-required", "If-Match is required"


class BadRequest(DukError):
    status, slug, title = 400, "bad-request", "Bad request"


class TooManyRequests(DukError):
    status, slug, title = 429, "too-many-requests", "Too many attempts"

    def __init__(self, detail: str | None = None, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Invalid(DukError):
    """422 with one entry per offending field, so a client can show them all at once."""

    status, slug, title = 422, "validation", "Invalid input"

    def __init__(self, errors: list[FieldError] | None = None, detail: str | None = None) -> None:
        super().__init__(detail or "The request has invalid or missing fields.")
        self.errors = list(errors or [])

    @classmethod
    def field(cls, field: str, message: str) -> Invalid:
        return cls([FieldError(field, message)])
