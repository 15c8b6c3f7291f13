"""What the cycles announce, for higher domains to act on without cycles knowing them."""

from blinker import Namespace

signals = Namespace()

# The coordinator closed a cycle before its time: sent with the cycle and `now`, inside the
# transaction that closes it (a receiver's error refuses the closing). A cycle closing by its
# date announces nothing: `cycles notify-closed`, run by cron, catches those.
cycle_closed = signals.signal("cycle-closed")

# The coordinator settled a cycle (its amounts final after pickup): sent with the cycle and
# `now`, inside the transaction that settles it. The observatory summarises it, and the
# invoices domain issues the cycle's invoices in that transaction (`invoices issue --settled`,
# run by a timer, catches up on whatever could not be invoiced then).
cycle_settled = signals.signal("cycle-settled")

# The coordinator published a cycle: sent with the cycle and `now`, inside the transaction that
# publishes it. Seasonal contracts put their deliveries into the households' orders then (a
# receiver's error refuses the publishing; a shortage is reported, not raised).
cycle_published = signals.signal("cycle-published")
