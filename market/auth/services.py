"""Account operations. They flush, never commit: the view commits once per request."""

from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from market.auth import throttle
from market.auth.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    TooManyAttempts,
    UnknownRole,
)
from market.auth.models import (
    Household,
    Invitation,
    LoginAttempt,
    PasswordReset,
    Role,
    SignupKind,
    SignupRequest,
    User,
)
from market.auth.passwords import (
    check_strength,
    hash_password,
    verify_password,
    verify_password_of,
)
from market.auth.sessions import revoke_everything, trusted_device
from market.auth.tokens import new_token, token_digest
from market.extensions import db
from market.mail.services import queue_mail
from market.timeutil import utcnow
from market.urls import external_url

INVITABLE_ROLES = (Role.PRODUCER, Role.COORDINATOR)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def ensure_email_free(email: str) -> None:
    if user_by_email(email) is not None:
        raise EmailTaken(
            _l(
                "An account already exists with this email address. "
                "Log in, or reset your password if you forgot it."
            )
        )


def create_user(
    *,
    name: str,
    email: str,
    phone: str | None,
    role: str,
    password: str | None = None,
    password_hash: str | None = None,
    household: Household | None = None,
    locale: str | None = None,
) -> User:
    """A new account, from a password to check and hash or a hash already made from one."""
    ensure_email_free(email)
    if password_hash is None:
        if password is None:
            raise TypeError("create_user() needs a password or its hash")
        check_strength(password, email)
        password_hash = hash_password(password)
    user = User(
        name=name.strip(),
        email=normalise_email(email),
        phone=(phone or "").strip() or None,
        password_hash=password_hash,
        role=role,
        household=household,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    return user


# Who makes the account a confirmed sign-up asks for, by kind: the household here, the
# producer's application in the catalogue, which builds on accounts and registers itself.
ACCOUNT_MAKERS: dict[str, Callable[..., User]] = {}


def makes_accounts(kind: SignupKind):
    """Register the function that makes the account of a confirmed sign-up of this kind."""

    def register(function: Callable[..., User]) -> Callable[..., User]:
        ACCOUNT_MAKERS[kind.value] = function
        return function

    return register


@makes_accounts(SignupKind.HOUSEHOLD)
def register_household(
    *,
    name: str,
    email: str,
    phone: str,
    password: str | None = None,
    password_hash: str | None = None,
    second_collector: str | None = None,
    locale: str | None = None,
) -> User:
    household = Household(
        name=name.strip(), second_collector=(second_collector or "").strip() or None
    )
    user = create_user(
        name=name,
        email=email,
        phone=phone,
        password=password,
        password_hash=password_hash,
        role=Role.HOUSEHOLD,
        household=household,
        locale=locale,
    )
    queue_mail(user.email, "welcome", user.locale, user=user)
    return user


# ---- sign-up confirmed by email ----


def request_signup(
    kind: SignupKind, *, email: str, password: str, locale: str | None, **fields
) -> None:
    """Ask the address to confirm a registration or application, answering alike either way.

    A new address gets a link that creates the account; an address that already has one is
    told so by email instead. Both cost a password hash, so they take alike too.
    """
    email = normalise_email(email)
    check_strength(password, email)
    password_hash = hash_password(password)
    user = user_by_email(email)
    if user is not None:
        queue_mail(
            user.email,
            "account_exists",
            user.locale,
            user=user,
            login=external_url("auth.login"),
            reset=external_url("auth.forgot_password"),
        )
        return
    token, digest = new_token()
    hours = current_app.config["SIGNUP_HOURS"]
    db.session.add(
        SignupRequest(
            email=email,
            kind=kind.value,
            token_hash=digest,
            payload={**fields, "password_hash": password_hash, "locale": locale},
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    queue_mail(
        email,
        "confirm_signup",
        locale,
        kind=kind.value,
        hours=hours,
        link=external_url("auth.confirm_signup", token=token),
    )
    db.session.flush()


def usable_signup(token: str) -> SignupRequest:
    signup = db.session.scalar(
        select(SignupRequest).where(SignupRequest.token_hash == token_digest(token))
    )
    if signup is None:
        raise InvalidToken(_l("This confirmation link is not valid. Please sign up again."))
    if signup.completed_at is not None:
        raise InvalidToken(_l("This address is already confirmed. Log in."))
    if signup.expires_at < utcnow():
        raise InvalidToken(_l("This confirmation link has expired. Please sign up again."))
    return signup


def complete_signup(token: str) -> User:
    """The account the confirmed request asked for (a household, or a producer's
    application)."""
    signup = usable_signup(token)
    fields = dict(signup.payload)
    signup.completed_at = utcnow()
    return ACCOUNT_MAKERS[signup.kind](email=signup.email, **fields)


def too_many_attempts() -> TooManyAttempts:
    return TooManyAttempts(
        _l(
            "Too many failed log-in attempts. For your security, please "
            "wait %(minutes)d minutes before trying again, or reset your "
            "password.",
            minutes=current_app.config["LOGIN_WINDOW_MINUTES"],
        )
    )


def authenticate(email: str, password: str, address: str, device_cookie: str | None = None) -> User:
    """The user these credentials open.

    Attempts are counted per address and, unless they come from a device the account
    trusts (its `device_cookie`), per account; past either limit the password is not even checked.
    An unknown address costs the same time as a known one (a hash is checked either way).
    """
    config = current_app.config
    email = normalise_email(email)
    user = user_by_email(email)
    device = trusted_device(user, device_cookie)
    address_key = throttle.throttle_key("address", address)
    account_key = (
        throttle.throttle_key("device", device)
        if device
        else throttle.throttle_key("account", email)
    )
    if (
        throttle.count_attempt(address_key) > config["LOGIN_FAILURES_PER_ADDRESS"]
        or throttle.count_attempt(account_key) > config["LOGIN_FAILURES_PER_ACCOUNT"]
    ):
        raise too_many_attempts()
    succeeded = verify_password_of(user, password) and user.active
    db.session.add(LoginAttempt(email=email[:254], address=address[:45], succeeded=succeeded))
    if user is None or not succeeded:  # an unknown address never succeeds
        raise InvalidCredentials(_l("Email address or password incorrect."))
    throttle.give_back(address_key)
    throttle.clear(account_key)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way."""
    user = user_by_email(email)
    if user is None or not user.active:
        return
    token, digest = new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(
        PasswordReset(user=user, token_hash=digest, expires_at=utcnow() + timedelta(hours=hours))
    )
    link = external_url("auth.reset_password", token=token)
    queue_mail(user.email, "password_reset", user.locale, user=user, link=link, hours=hours)
    db.session.flush()


def usable_reset(token: str) -> PasswordReset:
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == token_digest(token))
    )
    if reset is None:
        raise InvalidToken(_l("This reset link is not valid. Ask for a new one."))
    if reset.used_at is not None:
        raise InvalidToken(_l("This reset link has already been used. Ask for a new one."))
    if reset.expires_at < utcnow():
        raise InvalidToken(_l("This reset link has expired. Ask for a new one."))
    return reset


def reset_password(token: str, password: str) -> User:
    """A new password from an emailed link: every session and every other link of the
    account dies, and the account's failed log-ins are forgiven (its owner proved it)."""
    reset = usable_reset(token)
    user = reset.user
    check_strength(password, user.email)
    reset.used_at = utcnow()
    user.password_hash = hash_password(password)
    revoke_everything(user)
    throttle.clear(throttle.throttle_key("account", user.email))
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Every session of the account ends (the caller opens a new one for this device)."""
    if not verify_password(user.password_hash, current):
        raise InvalidCredentials(_l("The current password is incorrect."))
    check_strength(new, user.email)
    user.password_hash = hash_password(new)
    revoke_everything(user)


def update_profile(
    user: User,
    *,
    name: str,
    phone: str | None,
    locale: str | None,
    second_collector: str | None,
    reminders: bool = True,
    town: str | None = None,
    address: str | None = None,
    postcode: str | None = None,
) -> None:
    user.name = name.strip()
    user.reminders = bool(reminders)
    user.phone = (phone or "").strip() or None
    user.locale = locale or None
    if user.household is not None:
        user.household.name = user.name
        user.household.second_collector = (second_collector or "").strip() or None
        user.household.town = (town or "").strip() or None
        user.household.address = (address or "").strip() or None
        user.household.postcode = (postcode or "").strip() or None
    db.session.flush()


def invite(inviter: User, email: str, role: str, producer=None) -> Invitation:
    """A producer's user may be invited to one producer; a coordinator to none."""
    if role not in {r.value for r in INVITABLE_ROLES}:
        raise UnknownRole(
            _l(
                "« %(role)s » is not a role you can invite to. Choose producer or coordinator.",
                role=role,
            )
        )
    ensure_email_free(email)
    token, digest = new_token()
    invitation = Invitation(
        email=normalise_email(email),
        role=role,
        token_hash=digest,
        invited_by=inviter,
        producer=producer if role == Role.PRODUCER else None,
        expires_at=utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    link = external_url("auth.accept_invitation", token=token)
    queue_mail(
        invitation.email,
        "invitation",
        None,
        invitation=invitation,
        link=link,
        days=current_app.config["INVITATION_DAYS"],
    )
    db.session.flush()
    return invitation


def usable_invitation(token: str) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == token_digest(token))
    )
    if invitation is None:
        raise InvalidToken(_l("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise InvalidToken(_l("This invitation has already been accepted. Log in instead."))
    if invitation.expires_at < utcnow():
        raise InvalidToken(_l("This invitation has expired. Ask the coordinator for a new one."))
    return invitation


def accept_invitation(
    token: str, *, name: str, phone: str | None, password: str, locale: str | None
) -> User:
    invitation = usable_invitation(token)
    user = create_user(
        name=name,
        email=invitation.email,
        phone=phone,
        password=password,
        role=invitation.role,
        locale=locale,
    )
    user.producer_id = invitation.producer_id
    invitation.accepted_at = utcnow()
    db.session.flush()
    return user


def list_invitations() -> list[Invitation]:
    query = (
        select(Invitation)
        .options(joinedload(Invitation.invited_by), joinedload(Invitation.producer))
        .order_by(Invitation.created_at.desc())
        .limit(100)
    )
    return list(db.session.scalars(query))
