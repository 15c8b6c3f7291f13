"""What the ledger announces, for higher domains to act on without the ledger knowing them."""

from blinker import Namespace

signals = Namespace()

# A transaction was recorded (not replayed): sent with the transaction, inside the database
# transaction that records it, once its entries are written.
transaction_posted = signals.signal("transaction-posted")
