"""Weekly order cycles and collection points."""

from flask import Blueprint

bp = Blueprint("cycles", __name__)

from market.cycles import offer_views, views  # noqa: E402,F401 - routes attach to bp
