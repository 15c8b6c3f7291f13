"""Accounts, roles, log-in, password reset and invitations."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from market.auth import views  # noqa: E402,F401 - routes attach to bp
