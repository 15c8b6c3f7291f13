"""Queue messages in the outbox; deliver them over SMTP or as .eml files."""

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import bindparam, insert, select
from sqlalchemy.sql.dml import ReturningInsert

from market.extensions import db
from market.mail.models import OutboxAttachment, OutboxMessage
from market.timeutil import utcnow
from market.upsert import built_once, upsert_into


def queue_mail(
    recipient: str,
    template: str,
    locale: str | None,
    *,
    event_key: str | None = None,
    attachments=(),
    **context,
) -> int | None:
    """Render templates/mail/<template>.txt in the recipient's language and store it; the
    message's id.

    The template's first line is the subject, the rest is the body. `event_key` names what
    the message tells of, for this recipient: a cause replayed (a form sent twice, a command
    run again) finds its message written and writes none (None). One insert that ignores a
    key already written, so two requests replaying one cause at once write one message.
    `attachments` are (filename, content type, bytes).
    """
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template(f"mail/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    message_id = db.session.scalar(
        outbox_insert(),
        {
            "recipient": recipient,
            "subject": subject.strip(),
            "body": body.strip() + "\n",
            "event_key": event_key,
        },
    )
    if message_id is not None and attachments:
        db.session.execute(
            insert(OutboxAttachment.__table__),
            [
                {"message_id": message_id, "filename": name, "content_type": kind, "content": data}
                for name, kind, data in attachments
            ],
        )
    return message_id


@built_once
def outbox_insert() -> ReturningInsert[int]:
    """A message, unless its event key is already written; its id (None then)."""
    table = OutboxMessage.__table__
    return (
        upsert_into(table)
        .values(
            recipient=bindparam("recipient"),
            subject=bindparam("subject"),
            body=bindparam("body"),
            event_key=bindparam("event_key"),
        )
        .on_conflict_do_nothing(index_elements=["event_key"])
        .returning(table.c.id)
    )


def next_pending(after_id: int) -> OutboxMessage | None:
    """The next unsent message, locked so that two senders never send it twice."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.id > after_id)
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return db.session.scalar(query)


def as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="market.local")
    email.set_content(message.body)
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return email


# A server that stops answering fails the delivery (retried later) rather than hanging.
SMTP_TIMEOUT_SECONDS = 30


class SmtpTransport:
    """Sends over SMTP; MARKET_MAIL_URL = smtp[s]://user:password@host:port[?starttls=1]."""

    def __init__(self, url: str):
        self.url = urlsplit(url)
        self.options = parse_qs(self.url.query)

    def __enter__(self):
        secure = self.url.scheme == "smtps"
        factory = smtplib.SMTP_SSL if secure else smtplib.SMTP
        # No host (""), like SMTP()'s own default: no connection until one is asked for.
        self.connection = factory(
            self.url.hostname or "",
            self.url.port or (465 if secure else 25),
            timeout=SMTP_TIMEOUT_SECONDS,
        )
        if self.options.get("starttls") == ["1"]:
            self.connection.starttls()
        if self.url.username:
            self.connection.login(unquote(self.url.username), unquote(self.url.password or ""))
        return self

    def send(self, email: EmailMessage) -> None:
        self.connection.send_message(email)

    def __exit__(self, *exc):
        self.connection.quit()


class FileTransport:
    """Development: each message becomes an .eml file to open in a mail reader."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def __enter__(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        return self

    def send(self, email: EmailMessage) -> None:
        name = email["Message-ID"].strip("<>").replace("@", "_")
        (self.directory / f"{name}.eml").write_bytes(bytes(email))

    def __exit__(self, *exc):
        return None


def transport():
    url = current_app.config["MAIL_URL"]
    return SmtpTransport(url) if url else FileTransport(current_app.config["MAIL_DIRECTORY"])


def deliver(message: OutboxMessage, through) -> bool:
    """Send one message; record the outcome on it. True when it left."""
    message.attempts += 1
    try:
        through.send(as_email(message))
    except (smtplib.SMTPException, OSError) as error:
        message.last_error = str(error)[:1000]
        return False
    message.sent_at = utcnow()
    message.last_error = None
    return True
