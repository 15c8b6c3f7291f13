"""Small helpers every domain's views share."""

from urllib.parse import urlsplit

from flask import abort, flash, request

from market.errors import DomainError
from market.extensions import db


def refused(error: DomainError) -> int:
    """Undo the request's changes, show why, and give the status to answer with."""
    db.session.rollback()
    flash(error.message, "error")
    return error.status


def form_status(form) -> int:
    return 400 if form.errors else 200


def get_or_404(model, identifier):
    return db.session.get(model, identifier) or abort(404)


def is_local_path(target: str | None) -> bool:
    """Only paths on this site may be redirected to (no scheme, host, or backslash tricks)."""
    if not target or "\\" in target or any(ord(char) < 32 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") \
        and not target.startswith("//")


def wants_json() -> bool:
    """The page's own script asked (it sends Accept: application/json); a form did not."""
    best = request.accept_mimetypes.best_match(("text/html", "application/json"))
    return best == "application/json"
