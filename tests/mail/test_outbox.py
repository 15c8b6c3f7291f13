"""The outbox: written with the change that causes it; delivered by `flask mail send`."""

import email
import threading
from pathlib import Path

import pytest

from market.auth.services import register_household
from market.mail.services import queue_mail
from tests.helpers import outbox


def test_a_message_is_rolled_back_with_its_change(app, db):
    register_household(
        name="Famille Test",
        email="t@example.org",
        phone="0600000000",
        password="une-phrase-secrete",
    )
    db.session.rollback()
    assert outbox(db) == []


def test_messages_are_rendered_in_the_recipients_language(app, db):
    with app.test_request_context():
        queue_mail("a@example.org", "welcome", "en", user=type("U", (), {"name": "Ann"}))
        queue_mail("b@example.org", "welcome", "fr", user=type("U", (), {"name": "Béa"}))
    english, french = outbox(db)
    assert english.subject.startswith("Welcome to")
    assert "Hello Ann," in english.body
    assert french.subject.startswith("Bienvenue sur")
    assert "Bonjour Béa," in french.body


def test_mail_send_delivers_over_smtp_once(app, db, smtp_server):
    controller, inbox = smtp_server
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{controller.port}"
    with app.test_request_context():
        queue_mail("a@example.org", "welcome", "fr", user=type("U", (), {"name": "Ana"}))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert [m["To"] for m in inbox.messages] == ["a@example.org"]
    assert "Bonjour Ana," in inbox.messages[0].get_payload(decode=True).decode()
    runner.invoke(args=["mail", "send"])
    assert len(inbox.messages) == 1
    assert outbox(db)[0].sent_at is not None


def test_mail_send_records_a_failure_and_keeps_the_message(app, db):
    app.config["MAIL_URL"] = "smtp://127.0.0.1:1"
    with app.test_request_context():
        queue_mail("a@example.org", "welcome", "fr", user=type("U", (), {"name": "Ana"}))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code != 0


def test_without_smtp_messages_become_eml_files(app, db, tmp_path):
    app.config["MAIL_DIRECTORY"] = str(tmp_path / "mail")
    with app.test_request_context():
        queue_mail("a@example.org", "welcome", "fr", user=type("U", (), {"name": "Ana"}))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "sent 1" in result.output
    [eml] = Path(tmp_path / "mail").glob("*.eml")
    parsed = email.message_from_bytes(eml.read_bytes())
    assert parsed["To"] == "a@example.org"
    assert parsed["Subject"].startswith("Bienvenue")


@pytest.mark.postgres_only
def test_two_senders_never_send_a_message_twice(app, db, tmp_path):
    app.config["MAIL_DIRECTORY"] = str(tmp_path / "mail")
    with app.test_request_context():
        for n in range(10):
            queue_mail(f"p{n}@example.org", "welcome", "fr", user=type("U", (), {"name": "X"}))
    db.session.commit()
    runner = app.test_cli_runner()
    threads = [
        threading.Thread(target=runner.invoke, kwargs={"args": ["mail", "send"]}) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(list(Path(tmp_path / "mail").glob("*.eml"))) == 10
