"""Producers and their catalogue: onboarding, products, photos, spreadsheets, public pages."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from market.catalog import coordination, manage, views  # noqa: E402,F401 - routes attach to bp
