"""Typed errors that cross the bus intact.

Each class is registered with nameko's `deserialize_to_instance`, so a service raising `NotFound(...)` makes the caller
raise `NotFound(...)` too (not a generic RemoteError). The gateway maps each class to an HTTP status in one
table (`HTTP_STATUS`). `code` is a stable machine-readable string for API clients; `message` is Chinese text
fit to show a citizen or staff member.
"""

from nameko.exceptions import deserialize_to_instance


class AppError(Exception):
    http_status = 500

    def __init__(self, code, message, details=None):
        super().__init__(code, message, details or {})
        self.code = code
        self.message = message
        self.details = details or {}

    def __str__(self):
        return f"{self.code}: {self.message}"

    def to_dict(self):
        return {"code": self.code, "message": self.message, "details": self.details}


@deserialize_to_instance
class ValidationError(AppError):
    http_status = 400


@deserialize_to_instance
class Unauthenticated(AppError):
    http_status = 401


@deserialize_to_instance
class Forbidden(AppError):
    http_status = 403


@deserialize_to_instance
class NotFound(AppError):
    http_status = 404


@deserialize_to_instance
class Conflict(AppError):
    """The request contradicts an earlier one (an idempotency key reused for something else)."""

    http_status = 409


@deserialize_to_instance
class RateLimited(AppError):
    http_status = 429


@deserialize_to_instance
class DeadlineExceeded(AppError):
    """The caller had given up before the request was taken off the queue: it was not run."""

    http_status = 503


@deserialize_to_instance
class UpstreamFailed(AppError):
    """WeChat refused the call or could not be reached; `message` says why in Chinese, details carry its errcode."""

    http_status = 502


HTTP_STATUS = {
    cls: cls.http_status
    for cls in (
        ValidationError,
        Unauthenticated,
        Forbidden,
        NotFound,
        Conflict,
        RateLimited,
        DeadlineExceeded,
        UpstreamFailed,
    )
}
