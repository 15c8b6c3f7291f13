"""Domain errors raised by services, and the error pages."""

from typing import TypeVar

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from market.extensions import db


class DomainError(Exception):
    """A business rule refused the operation; `message` is shown to the person."""

    status = 400

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotFound(DomainError):
    """What was asked for does not exist, or is not shown to this person."""

    status = 404


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Nothing was changed.")),
    403: (_l("Access refused"), _l("Your account does not give access to this page.")),
    404: (_l("Page not found"), _l("This address does not lead to any page of the market.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    409: (
        _l("Changed at the same moment"),
        _l(
            "Someone changed the same thing at the same moment. Nothing was changed; please "
            "try again."
        ),
    ),
    413: (_l("File too large"), _l("The file you sent is too large. Nothing was changed.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Please wait a moment.")),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. Nothing was changed; please try again."),
    ),
    503: (
        _l("Busy"),
        _l("The market is busy just now. Nothing was changed; please try again in a moment."),
    ),
}
Row = TypeVar("Row")


def found(row: Row | None) -> Row:
    """The row, or NotFound: how a service says "no such thing" without speaking HTTP."""
    if row is None:
        raise NotFound(ERROR_TEXTS[404][1])
    return row


# PostgreSQL gave up one of two requests that waited on each other (deadlock, serialisation).
CONFLICT_STATES = {"40P01", "40001"}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, detail=None):
    title, text = ERROR_TEXTS[status]
    if wants_json():
        return jsonify(error=str(title), detail=str(detail or text)), status
    return render_template(
        "errors/error.html", status=status, title=title, text=detail or text
    ), status


def handle_http_error(error: HTTPException):
    status = error.code if error.code in ERROR_TEXTS else 500
    return render_error(status)


def handle_csrf_error(error: CSRFError):
    return render_error(
        400,
        _l(
            "The form had expired or was not sent from this site. "
            "Nothing was changed; please fill it in again."
        ),
    )


def handle_domain_error(error: DomainError):
    """A refusal no view turned into its own answer: the error page, with its message."""
    db.session.rollback()
    return render_error(error.status if error.status in ERROR_TEXTS else 400, error.message)


def handle_unexpected_error(error: Exception):
    db.session.rollback()
    return render_error(500)


def handle_database_error(error: DBAPIError):
    """Two requests that met on the same rows: the one the database gave up was rolled back
    whole, and may simply be sent again."""
    if getattr(error.orig, "sqlstate", None) in CONFLICT_STATES:
        status = 409
    elif "database is locked" in str(error.orig):  # SQLite waited for its writer too long
        status = 503
    else:
        return handle_unexpected_error(error)
    db.session.rollback()
    return render_error(status)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(500, handle_unexpected_error)
