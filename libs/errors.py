"""Typed errors that cross the bus intact.

Each class is registered with nameko's `remote_error`, so a service raising `NotFound(...)` makes the caller
raise `NotFound(...)` too (not a generic RemoteError). The gateway maps each class to an HTTP status in one
table (`HTTP_STATUS`). `code` is a stable machine-readable string for API clients; `message` is Chinese text
fit to show a citizen or staff member.
"""

from nameko.exceptions import remote_error


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


@remote_error("libs.errors.ValidationError")
class ValidationError(AppError):
    http_status = 400


@remote_error("libs.errors.Unauthenticated")
class Unauthenticated(AppError):
    http_status = 401


@remote_error("libs.errors.Forbidden")
class Forbidden(AppError):
    http_status = 403


@remote_error("libs.errors.NotFound")
class NotFound(AppError):
    http_status = 404


@remote_error("libs.errors.Conflict")
class Conflict(AppError):
    http_status = 409


@remote_error("libs.errors.Unavailable")
class Unavailable(AppError):
    http_status = 503


HTTP_STATUS = {cls: cls.http_status for cls in (ValidationError, Unauthenticated, Forbidden, NotFound, Conflict)}
