"""Account operations. They flush, never commit: the view commits once per request."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from market.auth.models import Household, Invitation, LoginAttempt, PasswordReset, Role, User
from market.auth.passwords import check_strength, hash_password, verify_password
from market.errors import DomainError
from market.extensions import db
from market.mail.services import queue_mail
from market.timeutil import utcnow
from market.urls import external_url

INVITABLE_ROLES = (Role.PRODUCER, Role.COORDINATOR)


class EmailTaken(DomainError):
    pass


class InvalidCredentials(DomainError):
    status = 401


class TooManyAttempts(DomainError):
    status = 429


class InvalidToken(DomainError):
    pass


class UnknownRole(DomainError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def ensure_email_free(email: str) -> None:
    if user_by_email(email) is not None:
        raise EmailTaken(_l("An account already exists with this email address. "
                            "Log in, or reset your password if you forgot it."))


def create_user(*, name: str, email: str, phone: str | None, password: str, role: str,
                household: Household | None = None, locale: str | None = None) -> User:
    ensure_email_free(email)
    check_strength(password, email)
    user = User(name=name.strip(), email=normalise_email(email),
                phone=(phone or "").strip() or None, password_hash=hash_password(password),
                role=role, household=household, locale=locale)
    db.session.add(user)
    db.session.flush()
    return user


def register_household(*, name: str, email: str, phone: str, password: str,
                       second_collector: str | None = None, locale: str | None = None) -> User:
    household = Household(name=name.strip(), second_collector=(second_collector or "").strip()
                          or None)
    user = create_user(name=name, email=email, phone=phone, password=password,
                       role=Role.HOUSEHOLD, household=household, locale=locale)
    queue_mail(user.email, "welcome", user.locale, user=user)
    return user


def recent_failures(column, value) -> int:
    window_start = utcnow() - timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    query = select(func.count()).where(
        column == value,
        LoginAttempt.succeeded.is_(False),
        LoginAttempt.attempted_at >= window_start,
    )
    return db.session.scalar(query)


def check_login_rate(email: str, address: str) -> None:
    config = current_app.config
    if (recent_failures(LoginAttempt.email, email) >= config["LOGIN_FAILURES_PER_ACCOUNT"]
            or recent_failures(LoginAttempt.address, address)
            >= config["LOGIN_FAILURES_PER_ADDRESS"]):
        raise TooManyAttempts(_l("Too many failed log-in attempts. For your security, please "
                                 "wait %(minutes)d minutes before trying again, or reset your "
                                 "password.", minutes=config["LOGIN_WINDOW_MINUTES"]))


def authenticate(email: str, password: str, address: str) -> User:
    """The user these credentials open; every attempt is recorded for the rate limit."""
    email = normalise_email(email)
    check_login_rate(email, address)
    user = user_by_email(email)
    succeeded = bool(user and user.active and verify_password(user.password_hash, password))
    db.session.add(LoginAttempt(email=email, address=address, succeeded=succeeded))
    if not succeeded:
        raise InvalidCredentials(_l("Email address or password incorrect."))
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way."""
    user = user_by_email(email)
    if user is None or not user.active:
        return
    token, digest = new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(PasswordReset(user=user, token_hash=digest,
                                 expires_at=utcnow() + timedelta(hours=hours)))
    link = external_url("auth.reset_password", token=token)
    queue_mail(user.email, "password_reset", user.locale, user=user, link=link, hours=hours)
    db.session.flush()


def usable_reset(token: str) -> PasswordReset:
    reset = db.session.scalar(select(PasswordReset).where(
        PasswordReset.token_hash == token_digest(token)))
    if reset is None:
        raise InvalidToken(_l("This reset link is not valid. Ask for a new one."))
    if reset.used_at is not None:
        raise InvalidToken(_l("This reset link has already been used. Ask for a new one."))
    if reset.expires_at < utcnow():
        raise InvalidToken(_l("This reset link has expired. Ask for a new one."))
    return reset


def reset_password(token: str, password: str) -> User:
    reset = usable_reset(token)
    check_strength(password, reset.user.email)
    reset.used_at = utcnow()
    reset.user.password_hash = hash_password(password)
    db.session.flush()
    return reset.user


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidCredentials(_l("The current password is incorrect."))
    check_strength(new, user.email)
    user.password_hash = hash_password(new)
    db.session.flush()


def update_profile(user: User, *, name: str, phone: str | None, locale: str | None,
                   second_collector: str | None, reminders: bool = True) -> None:
    user.name = name.strip()
    user.reminders = bool(reminders)
    user.phone = (phone or "").strip() or None
    user.locale = locale or None
    if user.household is not None:
        user.household.name = user.name
        user.household.second_collector = (second_collector or "").strip() or None
    db.session.flush()


def invite(inviter: User, email: str, role: str, producer=None) -> Invitation:
    """A producer's user may be invited to one producer; a coordinator to none."""
    if role not in {r.value for r in INVITABLE_ROLES}:
        raise UnknownRole(_l("« %(role)s » is not a role you can invite to. Choose producer or "
                             "coordinator.", role=role))
    ensure_email_free(email)
    token, digest = new_token()
    invitation = Invitation(
        email=normalise_email(email), role=role, token_hash=digest, invited_by=inviter,
        producer=producer if role == Role.PRODUCER else None,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    link = external_url("auth.accept_invitation", token=token)
    queue_mail(invitation.email, "invitation", None, invitation=invitation, link=link,
               days=current_app.config["INVITATION_DAYS"])
    db.session.flush()
    return invitation


def usable_invitation(token: str) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.token_hash == token_digest(token)))
    if invitation is None:
        raise InvalidToken(_l("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise InvalidToken(_l("This invitation has already been accepted. Log in instead."))
    if invitation.expires_at < utcnow():
        raise InvalidToken(_l("This invitation has expired. Ask the coordinator for a new one."))
    return invitation


def accept_invitation(token: str, *, name: str, phone: str | None, password: str,
                      locale: str | None) -> User:
    invitation = usable_invitation(token)
    user = create_user(name=name, email=invitation.email, phone=phone, password=password,
                       role=invitation.role, locale=locale)
    user.producer_id = invitation.producer_id
    invitation.accepted_at = utcnow()
    db.session.flush()
    return user


def list_invitations() -> list[Invitation]:
    query = (select(Invitation).options(joinedload(Invitation.invited_by),
                                        joinedload(Invitation.producer))
             .order_by(Invitation.created_at.desc()).limit(100))
    return list(db.session.scalars(query))
