"""Flask-Login wiring: how a session finds its user."""

from flask_babel import lazy_gettext as _l

from market.auth.models import User
from market.extensions import db, login_manager

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """A closed (or erased) account's sessions end with it."""
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None
