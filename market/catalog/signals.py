"""What the catalogue announces, for higher domains to act on without the catalogue knowing
them."""

from blinker import Namespace

signals = Namespace()

# A product already sold under one category was put in another (or in none): sent with the
# product, inside the transaction that changes it.
product_category_changed = signals.signal("product-category-changed")
