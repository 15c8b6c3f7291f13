"""The public pages: home, the producers and their products, the language switch, health."""

from market.main.views import home, producers  # noqa: F401 - routes attach to the blueprint
