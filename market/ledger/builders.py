"""Postings for each business event, as plain functions of plain values (DESIGN §4).

Amounts are integer cents. Order lines are (producer_id, amount_cents, vat_rate_bp): the
amount the household pays for the line, VAT included, and the VAT rate of the goods.
Positive entries are debits, negative entries credits.
"""

from collections import defaultdict

from flask import current_app
from flask_babel import lazy_gettext as _l

from market.ledger.accounts import (
    PAYMENT_METHODS,
    cash_key,
    contract_key,
    household_key,
    producer_key,
)
from market.ledger.commission import split_line
from market.ledger.errors import LedgerError
from market.ledger.posting import post

SALE_KINDS = ("order.placed", "order.changed", "order.cancelled", "fulfilment.adjusted")


def recorded_key(kind: str, submission: str) -> str:
    """The idempotency key of a movement the coordinator records through a form: the form
    sent twice (its one-time token) posts once."""
    return f"{kind}:{submission}"


def order_version_key(order_id: int, version: int) -> str:
    """The idempotency key of what one version of an order does to the books: a change
    posts once, whoever sends it twice."""
    return f"order:{order_id}:v{version}"


def commission_rate(commission_basis_points: int | None) -> int:
    if commission_basis_points is None:
        return current_app.config["HUB_COMMISSION_BASIS_POINTS"]
    return commission_basis_points


def sale_entries(household_id: int, lines, commission_bp: int) -> dict:
    """{(account key, vat rate): amount} for selling these lines to the household."""
    entries: dict = defaultdict(int)
    for producer_id, amount, vat_rate in lines:
        producer, commission, vat = split_line(amount, commission_bp)
        entries[(household_key(household_id), None)] += amount
        entries[(producer_key(producer_id), vat_rate)] -= producer
        entries[("hub:commission", vat_rate)] -= commission
        entries[("hub:vat", vat_rate)] -= vat
    return entries


def as_entries(amounts: dict) -> list[tuple]:
    return [(key, amount, rate) for (key, rate), amount in amounts.items() if amount]


def post_order_placed(
    household_id,
    order_ref,
    lines,
    commission_basis_points=None,
    idempotency_key=None,
    *,
    order_id=None,
):
    """D household / C each producer, C commission, C VAT on commission."""
    amounts = sale_entries(household_id, lines, commission_rate(commission_basis_points))
    return post(
        "order.placed",
        as_entries(amounts),
        reference=str(order_ref),
        idempotency_key=idempotency_key or f"order.placed:{order_ref}",
        order_id=order_id,
    )


def post_lines_changed(
    kind,
    household_id,
    order_ref,
    old_lines,
    new_lines,
    commission_basis_points,
    idempotency_key,
    order_id=None,
):
    """The difference between the splits of the old and new lines; None when nothing moves."""
    rate = commission_rate(commission_basis_points)
    amounts = sale_entries(household_id, new_lines, rate)
    for key, amount in sale_entries(household_id, old_lines, rate).items():
        amounts[key] -= amount
    entries = as_entries(amounts)
    if not entries:
        return None
    return post(
        kind, entries, reference=str(order_ref), idempotency_key=idempotency_key, order_id=order_id
    )


def post_order_changed(
    household_id,
    order_ref,
    old_lines,
    new_lines,
    commission_basis_points=None,
    idempotency_key=None,
    *,
    order_id=None,
):
    return post_lines_changed(
        "order.changed",
        household_id,
        order_ref,
        old_lines,
        new_lines,
        commission_basis_points,
        idempotency_key,
        order_id,
    )


def post_fulfilment_adjusted(
    household_id,
    order_ref,
    old_lines,
    new_lines,
    commission_basis_points=None,
    idempotency_key=None,
    *,
    order_id=None,
):
    """A missing item or a real weight: the mirror of what the difference undoes."""
    return post_lines_changed(
        "fulfilment.adjusted",
        household_id,
        order_ref,
        old_lines,
        new_lines,
        commission_basis_points,
        idempotency_key,
        order_id,
    )


def post_order_cancelled(
    household_id,
    order_ref,
    lines,
    commission_basis_points=None,
    idempotency_key=None,
    *,
    order_id=None,
):
    return post_lines_changed(
        "order.cancelled",
        household_id,
        order_ref,
        lines,
        [],
        commission_basis_points,
        idempotency_key or f"order.cancelled:{order_ref}",
        order_id,
    )


def positive(amount_cents) -> int:
    if type(amount_cents) is not int or amount_cents <= 0:
        raise LedgerError(_l("The amount must be more than zero."))
    return amount_cents


def known_method(method: str) -> str:
    if method not in PAYMENT_METHODS:
        raise LedgerError(_l("Unknown payment method."))
    return method


def money_in(
    kind, household_id, amount_cents, method, reference, idempotency_key, memo="", order_id=None
):
    amount = positive(amount_cents)
    return post(
        kind,
        [(cash_key(known_method(method)), amount), (household_key(household_id), -amount)],
        payment_method=method,
        reference=reference,
        memo=memo,
        idempotency_key=idempotency_key,
        order_id=order_id,
    )


def money_out(
    kind, household_id, amount_cents, method, reference, idempotency_key, memo="", order_id=None
):
    amount = positive(amount_cents)
    return post(
        kind,
        [(household_key(household_id), amount), (cash_key(known_method(method)), -amount)],
        payment_method=method,
        reference=reference,
        memo=memo,
        idempotency_key=idempotency_key,
        order_id=order_id,
    )


def post_payment_received(
    household_id, amount_cents, method, reference, idempotency_key, *, order_id=None
):
    """D cash:<method> / C household, for the order it pays when it names one."""
    return money_in(
        "payment.received",
        household_id,
        amount_cents,
        method,
        reference,
        idempotency_key,
        order_id=order_id,
    )


def post_refund(household_id, amount_cents, method, reference, idempotency_key, *, order_id=None):
    """D household / C cash:<method>: the mirror of a payment."""
    return money_out(
        "refund", household_id, amount_cents, method, reference, idempotency_key, order_id=order_id
    )


def post_instalment_received(subscription_id, amount_cents, method, reference, idempotency_key):
    """An instalment of a prepaid subscription: D cash:<method> / C contract:<subscription>."""
    amount = positive(amount_cents)
    return post(
        "contract.instalment",
        [(cash_key(known_method(method)), amount), (contract_key(subscription_id), -amount)],
        payment_method=method,
        reference=reference,
        idempotency_key=idempotency_key,
    )


def post_contract_applied(
    subscription_id, household_id, amount_cents, reference, idempotency_key, *, order_id
):
    """A prepaid delivery pays its line of the order it went into: D contract / C household
    (the order's own posting debited the household)."""
    amount = positive(amount_cents)
    return post(
        "contract.applied",
        [(contract_key(subscription_id), amount), (household_key(household_id), -amount)],
        payment_method="contract",
        reference=reference,
        idempotency_key=idempotency_key,
        order_id=order_id,
    )


def post_contract_settled(subscription_id, household_id, balance_cents, reference, idempotency_key):
    """The contract's account brought to zero onto the household's: what was paid beyond the
    deliveries becomes the household's credit, deliveries beyond what was paid its debt."""
    if type(balance_cents) is not int or balance_cents == 0:
        raise LedgerError(_l("There is nothing to settle."))
    return post(
        "contract.settled",
        [
            (household_key(household_id), balance_cents),
            (contract_key(subscription_id), -balance_cents),
        ],
        reference=reference,
        idempotency_key=idempotency_key,
    )


def post_credit_topup(household_id, amount_cents, method, reference, idempotency_key):
    """Prepaid credit: D cash:<method> / C household."""
    return money_in("credit.topup", household_id, amount_cents, method, reference, idempotency_key)


def post_credit_repayment(household_id, amount_cents, method, reference, idempotency_key):
    """Credit given back to a household: D household / C cash:<method>."""
    return money_out(
        "credit.repayment", household_id, amount_cents, method, reference, idempotency_key
    )


def post_payout(producer_id, amount_cents, reference, idempotency_key):
    """A bank transfer to a producer: D producer / C cash:bank."""
    if not reference or not reference.strip():
        raise LedgerError(_l("Give the reference of the bank transfer."))
    amount = positive(amount_cents)
    return post(
        "payout",
        [(producer_key(producer_id), amount), ("cash:bank", -amount)],
        payment_method="transfer",
        reference=reference.strip(),
        idempotency_key=idempotency_key,
    )


def post_adjustment(account_key, amount_cents, reason, idempotency_key):
    """A coordinator's adjustment: a positive amount is in the party's favour (credits it),
    a charge of the hub (658); a negative one is in the hub's favour, a gain (758)."""
    if not reason or not reason.strip():
        raise LedgerError(_l("An adjustment needs a reason."))
    if type(amount_cents) is not int or amount_cents == 0:
        raise LedgerError(_l("The amount must not be zero."))
    hub = "hub:adjustments" if amount_cents > 0 else "hub:gains"
    return post(
        "adjustment",
        [(account_key, -amount_cents), (hub, amount_cents)],
        memo=reason.strip(),
        idempotency_key=idempotency_key,
    )
