"""Words for the kinds of transaction, as people read them on statements."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "order.placed": _l("Order"),
    "order.changed": _l("Order changed"),
    "order.cancelled": _l("Order cancelled"),
    "fulfilment.adjusted": _l("Delivery adjusted"),
    "payment.received": _l("Payment received"),
    "refund": _l("Refund"),
    "payout": _l("Payout"),
    "credit.topup": _l("Credit top-up"),
    "credit.repayment": _l("Credit repaid"),
    "contract.instalment": _l("Contract instalment"),
    "contract.applied": _l("Delivery paid by the contract"),
    "contract.settled": _l("Contract settled"),
    "adjustment": _l("Adjustment"),
    "reversal": _l("Reversal"),
}
