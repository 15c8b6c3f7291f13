"""The public pages: home, producers and products; the language switch and health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from market.main import views  # noqa: E402,F401 - routes attach to bp
