"""Accounts, households, roles and the tokens that reach people by email."""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.auth.signals import household_created
from market.extensions import Model, stored_enum
from market.timeutil import utcnow

if TYPE_CHECKING:
    from market.catalog.models import Producer


class Role(StrEnum):
    HOUSEHOLD = "household"
    PRODUCER = "producer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.HOUSEHOLD.value: _l("household"),
    Role.PRODUCER.value: _l("producer"),
    Role.COORDINATOR.value: _l("coordinator"),
    Role.ADMIN.value: _l("administrator"),
}
ROLE_VALUES = ", ".join(f"'{role.value}'" for role in Role)


class Household(Model):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    second_collector: Mapped[str | None] = mapped_column(String(120))
    # Where the household lives: the commune is counted only in aggregate on the public
    # observatory; the whole address is the customer's on the invoices issued to it.
    address: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(10))
    town: Mapped[str | None] = mapped_column(String(120))

    @property
    def postal_address(self) -> dict[str, str] | None:
        """Street, postcode and town when all three are known: what an invoice prints."""
        if not (self.address and self.postcode and self.town):
            return None
        return {"address": self.address, "postcode": self.postcode, "town": self.town}

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The household asked to close its account; the coordinator then erases it (RGPD): its
    # people's details are replaced by a pseudonym, its orders and books stay.
    closure_requested_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]

    users: Mapped[list["User"]] = relationship(back_populates="household")


@event.listens_for(Household, "after_insert")
def announce_household(_mapper, connection, household: Household) -> None:
    household_created.send(household.id, connection=connection)


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({ROLE_VALUES})", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(stored_enum(Role, 20), default=Role.HOUSEHOLD)
    locale: Mapped[str | None] = mapped_column(String(5))
    # Reminders before a cycle closes and before pickup; what happened to an order is always sent.
    reminders: Mapped[bool] = mapped_column(default=True, server_default="1")
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    household: Mapped[Household | None] = relationship(back_populates="users")
    producer: Mapped["Producer | None"] = relationship(back_populates="users")

    # "<id>:<secret>" of the log-in session this request runs in (market.auth.sessions). Not a
    # column: its type is told to the type checker only, as the mapper reads every annotation.
    if TYPE_CHECKING:
        session_id: str | None
    session_id = None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: the log-in
        session, which can be revoked, never the bare user id."""
        if self.session_id is None:
            raise RuntimeError("log in through market.auth.sessions.log_in")
        return self.session_id

    def has_role(self, *roles: str) -> bool:
        """Admins hold every coordinator power as well as their own."""
        if self.role == Role.ADMIN and Role.COORDINATOR in roles:
            return True
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        return self.has_role(Role.COORDINATOR, Role.ADMIN)


class PasswordReset(Model):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Invitation(Model):
    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(f"role IN ({ROLE_VALUES})", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[Role] = mapped_column(stored_enum(Role, 20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A producer's user joins that producer when accepting.
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    invited_by: Mapped[User] = relationship()
    producer: Mapped["Producer | None"] = relationship()


class LoginAttempt(Model):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_attempted_at", "email", "attempted_at"),
        Index("ix_login_attempts_address_attempted_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(45))
    succeeded: Mapped[bool]
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginSession(Model):
    """One log-in on one device. The session and the remember cookie carry its secret; they
    stop working when the row goes (log-out, log-out everywhere, password change or reset)."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()


class LoginThrottle(Model):
    """Log-in attempts counted per key (an address, an account, a trusted device) in a window.

    One atomic upsert counts an attempt, so simultaneous guesses cannot slip past the limit.
    """

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of "address:…", "account:…" or "device:…": fixed length, no email in clear.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    window_started_at: Mapped[datetime]
    attempts: Mapped[int]


class SignupKind(StrEnum):
    HOUSEHOLD = "household"
    PRODUCER = "producer"


SIGNUP_KINDS = ", ".join(f"'{kind.value}'" for kind in SignupKind)


class SignupRequest(Model):
    """A registration or producer application waiting for its email address to be confirmed.

    The account is created only from the emailed link, so the form answers alike whether or
    not the address already has an account (its owner is told by email instead)."""

    __tablename__ = "signup_requests"
    __table_args__ = (CheckConstraint(f"kind IN ({SIGNUP_KINDS})", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    kind: Mapped[SignupKind] = mapped_column(stored_enum(SignupKind, 20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the form said, the password already hashed.
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
