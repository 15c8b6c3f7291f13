"""Flask-Login wiring: how a session finds its user."""

from flask_babel import lazy_gettext as _l

from market.auth.models import User
from market.auth.sessions import load_session_user
from market.extensions import login_manager

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a live session; a closed (or erased) account's sessions end with it."""
    user = load_session_user(session_id)
    return user if user is not None and user.active else None
