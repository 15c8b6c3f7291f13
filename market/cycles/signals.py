"""What the cycles announce, for higher domains to act on without cycles knowing them."""

from blinker import Namespace

signals = Namespace()

# The coordinator closed a cycle before its time: sent with the cycle and `now`, inside the
# transaction that closes it (a receiver's error refuses the closing). A cycle closing by its
# date announces nothing: `cycles notify-closed`, run by cron, catches those.
cycle_closed = signals.signal("cycle-closed")

# The coordinator settled a cycle: sent with the cycle and `now`, inside the transaction that
# settles it, so that what is kept of a settled cycle is written with it.
cycle_settled = signals.signal("cycle-settled")
