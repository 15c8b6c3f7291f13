"""What the accounts domain announces, for higher domains to act on without it knowing them."""

from blinker import Namespace

signals = Namespace()

# A household's row was just inserted: sent with its id and the database connection of the
# flush that inserted it, so a receiver writes in the same transaction (the ledger opens the
# household's account there, before any posting needs it).
household_created = signals.signal("household-created")
