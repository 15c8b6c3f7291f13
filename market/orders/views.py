from flask import render_template

from market.cycles import services as cycles
from market.orders import bp
from market.timeutil import utcnow


@bp.route("/shop")
def shop():
    now = utcnow()
    return render_template("orders/shop.html", cycle=cycles.open_cycle(now),
                           upcoming=cycles.next_cycle(now))
