"""The coordinator withdraws an offer: it leaves every order that holds it, whose household is
told why. An orders page, since it changes orders (cycles only mark the offer withdrawn)."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from market.auth.decorators import role_required
from market.auth.models import Role
from market.cycles.errors import OfferRefused
from market.cycles.forms import WithdrawForm
from market.cycles.models import Offer
from market.errors import DomainError
from market.orders import bp
from market.orders import services as orders
from market.timeutil import utcnow
from market.web import get_or_404, refuse


@bp.route("/coordination/offers/<int:offer_id>/withdraw", methods=["POST"])
@role_required(Role.COORDINATOR)
def withdraw_offer(offer_id: int):
    offer = get_or_404(Offer, offer_id)
    form = WithdrawForm()
    try:
        if not form.validate_on_submit():
            raise OfferRefused(_("Give the reason: the households who ordered it will read it."))
        orders.withdraw_offer(offer, form.reason.data or "", utcnow())
    except DomainError as error:
        refuse(error, redirect, url_for("cycles.cycle_offers", cycle_id=offer.cycle_id))
    flash(_("« %(name)s » is withdrawn from sale.", name=offer.product.name), "success")
    return redirect(url_for("cycles.cycle_offers", cycle_id=offer.cycle_id))
