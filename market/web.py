"""What every domain's views share: the request's one commit, answering a refusal, and small
helpers.

One commit per request, here: a request that was meant to change something (not a GET) and
succeeded (an answer below 400) commits when it ends; any other ends in a rollback, and so
does an error. Views never commit nor roll back. A view whose operation a service refused
calls `refuse()`: what the request changed is undone before its answer reads the data again.
The few places that must commit earlier say why where they do.
"""

from collections.abc import Callable
from functools import partial
from typing import NoReturn, TypeGuard
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from market.errors import DomainError, handle_database_error
from market.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Refused(Exception):
    """A service refused the request's operation; how to answer once its changes are undone."""

    def __init__(self, error: DomainError, answer: Callable[[], ResponseReturnValue]):
        super().__init__(str(error.message))
        self.error, self.answer = error, answer


def refuse(
    error: DomainError, answer: Callable[..., ResponseReturnValue], *args, **kwargs
) -> NoReturn:
    """Undo what the request changed, tell the person why, and answer with
    `answer(*args, **kwargs)`, which then reads the data as it was."""
    raise Refused(error, partial(answer, *args, **kwargs)) from error


def answer_refusal(refusal: Refused) -> ResponseReturnValue:
    db.session.rollback()
    flash(refusal.error.message, "error")
    return refusal.answer()


def commit_or_roll_back(response: Response) -> Response:
    """The request's one commit (see the module's docstring)."""
    if request.method in SAFE_METHODS or response.status_code >= 400:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except DBAPIError as error:  # answered as if the view had met it
        return current_app.make_response(handle_database_error(error))
    return response


def after_commit(action: Callable[[], None]) -> None:
    """Run `action` once the request's changes are committed: for what must not happen if
    they are not (removing a replaced photo's files, say)."""
    event.listen(db.session(), "after_commit", lambda _session: action(), once=True)


def register_transaction(app: Flask) -> None:
    app.register_error_handler(Refused, answer_refusal)
    app.after_request(commit_or_roll_back)


def form_status(form) -> int:
    return 400 if form.errors else 200


def form_page(template: str, form, status: int, **context) -> ResponseReturnValue:
    """A page around a form, answered with `status`."""
    return render_template(template, form=form, **context), status


def confirmation_page(
    *,
    question: str,
    consequences: list[str],
    action: str,
    confirm: str,
    back: str,
    back_label: str,
    fields: dict | None = None,
):
    """A page that asks before what cannot be undone, and works without script: its button
    posts `fields` to `action`, its link goes `back`."""
    return render_template(
        "confirm.html",
        question=question,
        consequences=consequences,
        action=action,
        confirm=confirm,
        back=back,
        back_label=back_label,
        fields=fields or {},
    )


def get_or_404(model, identifier):
    return db.session.get(model, identifier) or abort(404)


def household_row_or_404(model, identifier):
    """A row of the signed-in household (an order, a payment): another household's row is
    simply not found, so nobody learns that it exists."""
    return households_own(db.session.get(model, identifier))


def households_own(row):
    """`row` (read however its page needs) if the signed-in household owns it; another
    household's row is simply not found."""
    if row is None or row.household_id != current_user.household_id:
        abort(404)
    return row


def download(content, name: str, mimetype: str) -> Response:
    """A file to save as `name`: bytes, text, or an iterable of chunks streamed as written.
    Names are the project's own (ASCII, no quotes), never a person's input."""
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def is_local_path(target: str | None) -> TypeGuard[str]:
    """Only paths on this site may be redirected to (no scheme, host, or backslash tricks)."""
    if not target or "\\" in target or any(ord(char) < 32 for char in target):
        return False
    parts = urlsplit(target)
    return (
        not parts.scheme
        and not parts.netloc
        and target.startswith("/")
        and not target.startswith("//")
    )


def wants_json() -> bool:
    """The page's own script asked (it sends Accept: application/json); a form did not."""
    best = request.accept_mimetypes.best_match(("text/html", "application/json"))
    return best == "application/json"
