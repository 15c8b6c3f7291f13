"""flask users create-admin | list | set-role: the first administrator without SQL or demo."""

import threading

import pytest
from sqlalchemy import func, select

from market.auth import staff
from market.auth.models import User
from market.auth.passwords import verify_password
from market.errors import DomainError
from market.extensions import db as _db
from tests import factories
from tests.helpers import outbox

STRONG = "une-phrase-tres-solide"


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["users", *args], input=input)


def refused_in_one_line(result, message: str) -> None:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.strip().splitlines()[-1] == f"Error: {message}"


def create_admin(app, email="jeanne@hub.fr", name="Jeanne Martin", password=STRONG, again=None):
    return run(
        app,
        "create-admin",
        email,
        "--name",
        name,
        input=f"{password}\n{password if again is None else again}\n",
    )


def test_create_admin_makes_an_administrator_without_household_or_welcome(app, db):
    result = create_admin(app, email=" Jeanne@Hub.fr ")
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User))
    assert result.output.strip().endswith(f"administrator {admin.id} created: jeanne@hub.fr")
    assert (admin.role, admin.name, admin.household_id, admin.phone) == (
        "admin",
        "Jeanne Martin",
        None,
        None,
    )
    assert verify_password(admin.password_hash, STRONG)
    assert outbox(db) == []


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"password": "court"}, "The password must have at least 10 characters."),
        ({"password": "azertyuiop"}, "This password is too easy to guess; choose another one."),
        (
            {"password": "jeanne-2026-secret", "email": "jeanne@hub.fr"},
            "The password must not contain your email address.",
        ),
        ({"again": "une-autre-phrase"}, "the two passwords differ; nothing was created"),
        ({"email": "not-an-address"}, "« not-an-address » is not a valid email address."),
        ({"name": "   "}, "Give a name of 1 to 120 characters."),
        ({"name": "x" * 121}, "Give a name of 1 to 120 characters."),
    ],
)
def test_create_admin_refuses_bad_input_and_creates_nothing(app, db, arguments, message):
    refused_in_one_line(create_admin(app, **arguments), message)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_admin_refuses_an_email_in_use_before_asking_the_password(app, db):
    factories.HouseholdUserFactory(email="jeanne@hub.fr")
    db.session.commit()
    result = run(app, "create-admin", "JEANNE@hub.fr", "--name", "Jeanne", input="")
    refused_in_one_line(
        result,
        "An account already exists with this email address. Log in, "
        "or reset your password if you forgot it.",
    )
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_admin_without_the_password_on_standard_input(app, db):
    refused_in_one_line(
        run(app, "create-admin", "a@hub.fr", "--name", "A", input=""),
        "give the password twice on standard input, one per line",
    )
    refused_in_one_line(
        run(app, "create-admin", "a@hub.fr", "--name", "A", input=f"{STRONG}\n"),
        "give the password twice on standard input, one per line",
    )


def test_create_admin_needs_a_name(app, db):
    result = run(app, "create-admin", "a@hub.fr", input=f"{STRONG}\n{STRONG}\n")
    assert result.exit_code == 2
    assert "Missing option '--name'" in result.output


def test_users_list_prints_id_email_role_and_creation(app, db):
    admin = factories.UserFactory(role="admin", email="a@hub.fr")
    household = factories.HouseholdUserFactory(email="famille@hub.fr")
    db.session.commit()
    lines = run(app, "list").output.splitlines()
    assert lines[0] == "id\temail\trole\tcreated"
    assert [line.split("\t")[:3] for line in lines[1:]] == [
        [str(admin.id), "a@hub.fr", "admin"],
        [str(household.id), "famille@hub.fr", "household"],
    ]
    assert all(line.split("\t")[3].startswith(str(admin.created_at.year)) for line in lines[1:])


def test_set_role_promotes_and_demotes_but_keeps_an_administrator(app, db):
    first = factories.UserFactory(role="admin", email="first@hub.fr")
    second = factories.UserFactory(role="coordinator", email="second@hub.fr")
    db.session.commit()
    refused_in_one_line(
        run(app, "set-role", "first@hub.fr", "coordinator"),
        "first@hub.fr is the last administrator: make another account administrator first.",
    )
    assert run(app, "set-role", "Second@hub.fr", "admin").output == "second@hub.fr is now admin\n"
    assert run(app, "set-role", "first@hub.fr", "coordinator").exit_code == 0
    db.session.expire_all()
    assert (first.role, second.role) == ("coordinator", "admin")


def test_an_inactive_administrator_does_not_count_as_the_one_who_remains(app, db):
    factories.UserFactory(role="admin", email="gone@hub.fr", active=False)
    factories.UserFactory(role="admin", email="here@hub.fr")
    db.session.commit()
    refused_in_one_line(
        run(app, "set-role", "here@hub.fr", "coordinator"),
        "here@hub.fr is the last administrator: make another account administrator first.",
    )
    refused_in_one_line(run(app, "set-role", "gone@hub.fr", "admin"), "This account is closed.")


@pytest.mark.parametrize(
    "email, role, message",
    [
        ("nobody@hub.fr", "admin", "No account uses the email address nobody@hub.fr."),
        (
            "staff@hub.fr",
            "household",
            "This account has no household: only an account "
            "registered as a household can have the household role.",
        ),
        (
            "staff@hub.fr",
            "producer",
            "This account belongs to no producer: invite the person to a producer instead.",
        ),
    ],
)
def test_set_role_refuses_what_does_not_fit(app, db, email, role, message):
    factories.UserFactory(role="coordinator", email="staff@hub.fr")
    db.session.commit()
    refused_in_one_line(run(app, "set-role", email, role), message)
    assert db.session.scalar(select(User.role)) == "coordinator"


def test_set_role_refuses_an_unknown_role_in_one_line(app, db):
    factories.UserFactory(role="coordinator", email="staff@hub.fr")
    db.session.commit()
    refused_in_one_line(
        run(app, "set-role", "staff@hub.fr", "boss"),
        "« boss » is not a role; choose one of household, producer, coordinator, admin.",
    )
    assert db.session.scalar(select(User.role)) == "coordinator"


@pytest.mark.postgres_only
def test_two_administrators_demoted_at_once_leave_one(app, db):
    emails = ["one@hub.fr", "two@hub.fr"]
    for email in emails:
        factories.UserFactory(role="admin", email=email)
    db.session.commit()
    barrier = threading.Barrier(len(emails), timeout=30)
    outcomes = []

    def demote(email):
        with app.app_context():
            barrier.wait()
            try:
                staff.set_role(email, "coordinator")
                _db.session.commit()
                outcomes.append("demoted")
            except DomainError:
                _db.session.rollback()
                outcomes.append("refused")
            _db.session.remove()

    threads = [threading.Thread(target=demote, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["demoted", "refused"]
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.role == "admin")) == 1
    )
