"""One commit per request: what a view changed is kept only when the request meant to change
something and succeeded; a refusal undoes it before its answer reads the data again."""

import pytest
from flask import flash, get_flashed_messages
from sqlalchemy import func, select

from market.catalog.models import Category
from market.errors import DomainError, found
from market.web import after_commit, refuse


def categories(db) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(Category.name).order_by(Category.name)))


def adds_category(db, name: str, status: int):
    def view():
        db.session.add(Category(name=name))
        db.session.flush()
        return "", status

    return view


@pytest.mark.parametrize(
    ("method", "status", "kept"),
    [
        ("POST", 200, True),
        ("POST", 302, True),
        ("PUT", 201, True),
        ("POST", 400, False),
        ("POST", 409, False),
        ("GET", 200, False),
        ("HEAD", 200, False),
    ],
)
def test_only_a_successful_change_is_committed(app, db, method, status, kept):
    app.add_url_rule("/change", "change", adds_category(db, "Fruits", status), methods=[method])
    response = app.test_client().open("/change", method=method)
    assert response.status_code == status
    assert categories(db) == (["Fruits"] if kept else [])


def test_a_refusal_undoes_the_change_before_its_answer_reads(app, db):
    def seen():
        count = db.session.scalar(select(func.count()).select_from(Category))
        return f"{count} {get_flashed_messages()}", 409

    def refused_view():
        db.session.add(Category(name="Légumes"))
        db.session.flush()
        refuse(DomainError("Plus en vente."), seen)

    app.add_url_rule("/refused", "refused", refused_view, methods=["POST"])
    response = app.test_client().post("/refused")
    assert response.status_code == 409
    assert response.text == "0 ['Plus en vente.']"
    assert categories(db) == []


def test_after_commit_runs_only_once_the_change_is_kept(app, db):
    done = []

    def view(status):
        db.session.add(Category(name=f"Œufs {status}"))
        after_commit(lambda: done.append(status))
        flash("ok")
        return "", status

    app.add_url_rule("/then/<int:status>", "then", view, methods=["POST"])
    client = app.test_client()
    client.post("/then/400")
    client.post("/then/302")
    assert done == [302]
    assert categories(db) == ["Œufs 302"]


def test_a_conflict_at_commit_is_answered_and_changes_nothing(app, db):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    db.session.add(Category(name="Pain"))
    db.session.commit()

    def duplicate():
        db.session.add(Category(name="Pain"))  # unique: refused only when committed
        return "", 302

    app.add_url_rule("/again", "again", duplicate, methods=["POST"])
    response = app.test_client().post("/again")
    assert response.status_code == 500
    assert categories(db) == ["Pain"]


def test_a_refusal_no_view_answers_shows_its_message_with_its_status(app, db):
    """A domain error a view lets through is an error page with the error's status and
    message, and what the request changed is undone."""

    class Taken(DomainError):
        status = 409

    def view():
        db.session.add(Category(name="Fromages"))
        db.session.flush()
        raise Taken("Ce nom est déjà pris.")

    app.add_url_rule("/taken", "taken", view, methods=["POST"])
    response = app.test_client().post("/taken")
    assert response.status_code == 409
    assert "Ce nom est déjà pris." in response.text
    assert categories(db) == []


def test_found_is_a_not_found_page(app, db):
    app.add_url_rule("/missing", "missing", lambda: found(None))
    assert app.test_client().get("/missing").status_code == 404
