"""The orders' pages: the shop, the cart, checkout and the household's orders; the
coordinator's withdrawal of an offer from the orders that hold it."""

from market.orders.views import shopping, withdrawal  # noqa: F401 - routes attach to bp
