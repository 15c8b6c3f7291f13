"""Log-in sessions that can be revoked, and the devices an account trusts.

Flask keeps its session in a signed cookie, which a copy keeps valid. So each log-in gets a
row holding the hash of a random secret; the session and the remember cookie carry
"<user id>:<secret>" (Flask-Login's alternative id) and open the account only while the row
exists. Logging out deletes this device's row; logging out everywhere, changing or resetting
the password delete them all.
"""

import hmac
from datetime import timedelta
from functools import cache

from flask import current_app, request
from flask_login import login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, bindparam, delete, select

from market.auth.models import LoginSession, PasswordReset, User
from market.auth.tokens import new_token, token_digest
from market.extensions import UTCDateTime, db
from market.numbers import identifier
from market.timeutil import utcnow

DEVICE_COOKIE = "market_device"


def open_session(user: User) -> str:
    """A new log-in of `user` on this device; returns the id Flask-Login stores."""
    drop_expired_sessions(user)
    secret, digest = new_token()
    lifetime = current_app.config["REMEMBER_COOKIE_DURATION"]
    db.session.add(LoginSession(user_id=user.id, token_hash=digest, expires_at=utcnow() + lifetime))
    db.session.flush()
    session_id = f"{user.id}:{secret}"
    user.session_id = session_id
    return session_id


def log_in(user: User, remember: bool = False) -> None:
    """Open a session for `user` on this device, as Flask-Login's login_user does."""
    open_session(user)
    login_user(user, remember=remember)


def split_session_id(session_id: str) -> tuple[int, str] | None:
    written_id, _, secret = (session_id or "").partition(":")
    user_id = identifier(written_id)
    if user_id is None or not secret:
        return None
    return user_id, secret


@cache
def session_user_query() -> Select:
    """Built once: every request of a signed-in person asks it."""
    return (
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == bindparam("user_id"),
            LoginSession.token_hash == bindparam("token_hash"),
            LoginSession.expires_at > bindparam("now", type_=UTCDateTime()),
        )
    )


def load_session_user(session_id: str) -> User | None:
    """The user whose live session this id names, in one query; None once it is revoked."""
    parts = split_session_id(session_id)
    if parts is None:
        return None
    user_id, secret = parts
    user = db.session.scalar(
        session_user_query(),
        {"user_id": user_id, "token_hash": token_digest(secret), "now": utcnow()},
    )
    if user is not None:
        user.session_id = session_id
    return user


def close_session(user: User) -> None:
    """Log out this device: its session id stops working, even in a copied cookie."""
    parts = split_session_id(getattr(user, "session_id", ""))
    if parts is not None:
        db.session.execute(
            delete(LoginSession).where(
                LoginSession.user_id == user.id, LoginSession.token_hash == token_digest(parts[1])
            )
        )
    logout_user()


def revoke_everything(user: User) -> None:
    """Every session of the account ends and every pending reset link dies (log-out
    everywhere, password change, password reset). The caller opens a new session if the
    person stays logged in here."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.execute(
        delete(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    )
    db.session.flush()


def drop_expired_sessions(user: User) -> None:
    db.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.expires_at <= utcnow()
        )
    )


# ---- trusted devices ----
# A browser that has logged in to an account carries a signed cookie naming it; attempts from
# it are counted apart, so a stranger's wrong guesses cannot lock the owner out.


def device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="trusted-device")


def trusted_device(user: User | None, cookie: str | None) -> str | None:
    """The device id in this browser's cookie, if it has logged in to `user` before."""
    if user is None or not cookie or len(cookie) > 200:
        return None
    try:
        user_id, device = device_serializer().loads(cookie)
    except (BadSignature, TypeError, ValueError):
        return None
    return device if hmac.compare_digest(str(user_id), str(user.id)) else None


def remember_device(response, user: User) -> None:
    """Mark this browser as one `user` logs in from (keeping its id if it already was)."""
    device = trusted_device(user, request.cookies.get(DEVICE_COOKIE)) or new_token()[0]
    response.set_cookie(
        DEVICE_COOKIE,
        device_serializer().dumps([user.id, device]),
        max_age=int(timedelta(days=365).total_seconds()),
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
