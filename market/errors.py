"""Domain errors raised by services, and the error pages."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A business rule refused the operation; `message` is shown to the person."""

    status = 400

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Nothing was changed.")),
    403: (_l("Access refused"), _l("Your account does not give access to this page.")),
    404: (_l("Page not found"), _l("This address does not lead to any page of the market.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    413: (_l("File too large"), _l("The file you sent is too large. Nothing was changed.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Please wait a moment.")),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. Nothing was changed; please try again."),
    ),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, detail=None):
    title, text = ERROR_TEXTS[status]
    if wants_json():
        return jsonify(error=str(title), detail=str(detail or text)), status
    return render_template("errors/error.html", status=status, title=title,
                           text=detail or text), status


def handle_http_error(error: HTTPException):
    status = error.code if error.code in ERROR_TEXTS else 500
    return render_error(status)


def handle_csrf_error(error: CSRFError):
    return render_error(400, _l("The form had expired or was not sent from this site. "
                                "Nothing was changed; please fill it in again."))


def handle_unexpected_error(error: Exception):
    from market.extensions import db

    db.session.rollback()
    return render_error(500)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_unexpected_error)
