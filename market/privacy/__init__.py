"""Privacy (RGPD): the policy page, a household's data to download, closing and erasure."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from market.privacy import views  # noqa: E402,F401 - routes attach to bp
