"""Who may reach each endpoint: the declared table the access-matrix test checks.

Each row: endpoint → (method, URL arguments, expected outcome for
anonymous, household, producer, coordinator, admin). URL arguments may be a function of the
factories module that creates what the URL names and returns the arguments.
Outcomes: "ok" (served or handled: 2xx, 3xx elsewhere, 4xx validation), "login" (sent to the
log-in page), "403" (refused). Every endpoint of the app must appear here.
"""

ROLES = ("anonymous", "household", "producer", "coordinator", "admin")


def another_product(f):
    """A product of a producer the producer fixture does not belong to."""
    product = f.ProductFactory()
    return {"producer_id": product.producer_id, "product_id": product.id}


def another_producer(f):
    return {"producer_id": f.ProducerFactory().id}


def another_category(f):
    return {"category_id": f.CategoryFactory().id}


def another_producers_cycle(f):
    return {**another_producer(f), "cycle_id": f.OrderCycleFactory().id}


def public_product(f):
    return {"product_id": f.ProductFactory().id}


EVERYONE = ("ok", "ok", "ok", "ok", "ok")
LOGGED_IN = ("login", "ok", "ok", "ok", "ok")
ANONYMOUS_ONLY = ("ok", "403", "403", "403", "403")
STAFF = ("login", "403", "403", "ok", "ok")
PRODUCERS = ("login", "403", "ok", "403", "403")
HOUSEHOLDS = ("login", "ok", "403", "403", "403")
SHOPPERS = ("ok", "ok", "403", "403", "403")


def another_households_order(f):
    return {"order_id": f.OrderFactory().id}


MEMBERS = ("login", "ok", "ok", "403", "403")


def another_households_payment(f):
    return {"payment_id": f.PaymentFactory().id}


def a_cycle(f, **extra):
    return {"cycle_id": f.OrderCycleFactory().id, **extra}


def an_order_at_pickup(f):
    order = f.OrderFactory()
    return {"pickup_id": order.pickup_id, "order_id": order.id}


MATRIX = {
    "main.home": ("GET", {}, EVERYONE),
    "main.healthz": ("GET", {}, EVERYONE),
    "main.switch_locale": ("POST", {}, EVERYONE),
    "auth.register": ("GET", {}, EVERYONE),
    "auth.login": ("GET", {}, EVERYONE),
    "auth.logout": ("POST", {}, LOGGED_IN),
    "auth.log_out_everywhere": ("POST", {}, LOGGED_IN),
    "auth.confirm_signup": ("GET", {"token": "unknown"}, EVERYONE),
    "auth.forgot_password": ("GET", {}, EVERYONE),
    "auth.reset_password": ("GET", {"token": "unknown"}, EVERYONE),
    "auth.profile": ("GET", {}, LOGGED_IN),
    "auth.change_password": ("GET", {}, LOGGED_IN),
    "catalog.invitations": ("GET", {}, STAFF),
    "auth.accept_invitation": ("GET", {"token": "unknown"}, ANONYMOUS_ONLY),
    "orders.shop": ("GET", {}, EVERYONE),
    "cycles.collection_points": ("GET", {}, STAFF),
    "cycles.edit_collection_point": (
        "GET",
        lambda f: {"point_id": f.CollectionPointFactory().id},
        STAFF,
    ),
    "cycles.cycle_list": ("GET", {}, STAFF),
    "cycles.edit_cycle": ("GET", lambda f: {"cycle_id": f.OrderCycleFactory().id}, STAFF),
    "cycles.cycle_action": (
        "POST",
        lambda f: {"cycle_id": f.OrderCycleFactory().id, "action": "publish"},
        STAFF,
    ),
    "cycles.confirm_cycle_action": (
        "GET",
        lambda f: {"cycle_id": f.OrderCycleFactory().id, "action": "close"},
        STAFF,
    ),
    "cycles.extend_cycle": ("POST", lambda f: {"cycle_id": f.OrderCycleFactory().id}, STAFF),
    "cycles.prepare_next": ("POST", {}, STAFF),
    "main.directory": ("GET", {}, EVERYONE),
    "main.producer_page": ("GET", another_producer, EVERYONE),
    "main.product_page": ("GET", public_product, EVERYONE),
    "catalog.photo": ("GET", {"key": "0" * 32, "size": "thumb"}, EVERYONE),
    "catalog.apply": ("GET", {}, ANONYMOUS_ONLY),
    "catalog.dashboard": ("GET", {}, PRODUCERS),
    # A producer's pages, reached by a producer user of another producer: refused.
    "catalog.manage": ("GET", another_producer, STAFF),
    "catalog.edit_profile": ("GET", another_producer, STAFF),
    "catalog.new_product": ("GET", another_producer, STAFF),
    "catalog.edit_product": ("GET", another_product, STAFF),
    "catalog.set_active": ("POST", another_product, STAFF),
    "catalog.confirm_archive": ("GET", another_product, STAFF),
    "catalog.upload_photo": ("POST", another_product, STAFF),
    "catalog.export": ("GET", lambda f: {**another_producer(f), "kind": "csv"}, STAFF),
    "catalog.import_catalogue": ("GET", another_producer, STAFF),
    "catalog.apply_import": ("POST", lambda f: {**another_producer(f), "token": "0" * 32}, STAFF),
    "catalog.producers": ("GET", {}, STAFF),
    "catalog.create_producer": ("GET", {}, STAFF),
    "catalog.review": ("GET", another_producer, STAFF),
    "catalog.categories": ("GET", {}, STAFF),
    "catalog.edit_category": ("POST", another_category, STAFF),
    "cycles.producer_cycles": ("GET", another_producer, STAFF),
    "cycles.producer_offers": ("GET", another_producers_cycle, STAFF),
    "cycles.cycle_offers": ("GET", lambda f: {"cycle_id": f.OrderCycleFactory().id}, STAFF),
    "orders.withdraw_offer": ("POST", lambda f: {"offer_id": f.OfferFactory().id}, STAFF),
    "orders.add_to_cart": ("POST", {}, SHOPPERS),
    "orders.cart_page": ("GET", {}, HOUSEHOLDS),
    "orders.update_cart": ("POST", {}, HOUSEHOLDS),
    "orders.checkout": ("POST", {}, HOUSEHOLDS),
    "orders.my_orders": ("GET", {}, HOUSEHOLDS),
    "orders.order_page": ("GET", another_households_order, HOUSEHOLDS),
    "orders.change_order": ("POST", another_households_order, HOUSEHOLDS),
    "orders.cancel_order": ("POST", another_households_order, HOUSEHOLDS),
    "orders.confirm_cancel_order": ("GET", another_households_order, HOUSEHOLDS),
    "orders.repeat_order": ("POST", {}, HOUSEHOLDS),
    "ledger.chain_head": ("GET", {}, EVERYONE),
    "ledger.signing_key": ("GET", {}, EVERYONE),
    "ledger.receipt": ("GET", {}, EVERYONE),
    "ledger.balances": ("GET", {}, STAFF),
    "ledger.balances_download": ("GET", {}, STAFF),
    "ledger.my_statement": ("GET", {}, MEMBERS),
    "ledger.my_statement_csv": ("GET", {}, MEMBERS),
    "ledger.account_statement": ("GET", {"account_id": 1}, STAFF),
    "ledger.account_statement_csv": ("GET", {"account_id": 1}, STAFF),
    "ledger.movements": ("GET", {}, STAFF),
    "ledger.record_payout": ("POST", {}, STAFF),
    "ledger.record_household_money": ("POST", {}, STAFF),
    "ledger.record_adjustment": ("POST", {}, STAFF),
    "ledger.closure_list": ("GET", {}, STAFF),
    "ledger.close": ("POST", {}, STAFF),
    "ledger.export": ("GET", {"format": "fec", "year": 2026}, STAFF),
    "ledger.transaction_detail": ("GET", {"seq": 1}, STAFF),
    "ledger.reverse_transaction": ("POST", {"seq": 1}, STAFF),
    "payments.pay_online": ("POST", another_households_order, HOUSEHOLDS),
    "payments.use_credit": ("POST", another_households_order, HOUSEHOLDS),
    "payments.returned": ("GET", another_households_payment, HOUSEHOLDS),
    "payments.cancelled": ("GET", another_households_payment, HOUSEHOLDS),
    # Stripe calls it; without the settings it answers 404, with them a bad signature 400.
    "payments.stripe_webhook": ("POST", {}, EVERYONE),
    "payments.record_payment": ("GET", another_households_order, STAFF),
    "exports.cycle_page": ("GET", a_cycle, STAFF),
    "exports.pickup_list": ("GET", lambda f: a_cycle(f, fmt="csv"), STAFF),
    "exports.matrix": ("GET", lambda f: a_cycle(f, fmt="csv"), STAFF),
    "exports.summary_page": ("GET", a_cycle, STAFF),
    "exports.summary_download": ("GET", lambda f: a_cycle(f, fmt="csv"), STAFF),
    "exports.cycle_zip": ("GET", a_cycle, STAFF),
    "exports.no_shows": ("GET", a_cycle, STAFF),
    "payouts.owed_page": ("GET", lambda f: {"month": "2026-11"}, STAFF),
    "payouts.confirm": ("POST", lambda f: {"month": "2026-11"}, STAFF),
    "payouts.batch_page": ("GET", lambda f: {"batch_id": f.PayoutBatchFactory().id}, STAFF),
    "figures.coordinator_dashboard": ("GET", {}, STAFF),
    "figures.observatory_page": ("GET", {}, EVERYONE),
    "figures.producer_figures": ("GET", {}, PRODUCERS),
    "figures.producer_chart": ("GET", {}, PRODUCERS),
    "figures.figure_csv": ("GET", {"name": "spending"}, EVERYONE),
    "figures.figure_json": ("GET", {"name": "spending"}, EVERYONE),
    "figures.figure_chart": ("GET", {"name": "spending"}, EVERYONE),
    "payouts.batch_file": (
        "GET",
        lambda f: {"batch_id": f.PayoutBatchFactory(sepa_xml="<Document/>").id},
        STAFF,
    ),
    # Someone else's invoice is not found (404) for a household or a producer.
    "invoices.download": ("GET", lambda f: {"invoice_id": f.InvoiceFactory().id}, LOGGED_IN),
    "invoices.household_invoices": ("GET", {}, HOUSEHOLDS),
    "invoices.producer_invoices": ("GET", {}, PRODUCERS),
    "invoices.save_profile": ("POST", {}, PRODUCERS),
    "invoices.accept_mandate": ("POST", {}, PRODUCERS),
    "invoices.withdraw_mandate": ("POST", {}, PRODUCERS),
    "invoices.producer_month_zip": ("GET", {"month": "2026-11"}, PRODUCERS),
    "invoices.coordination": ("GET", {}, STAFF),
    "invoices.check_profile": ("POST", another_producer, STAFF),
    "invoices.issue": ("POST", {}, STAFF),
    "invoices.issue_commission": ("POST", {}, STAFF),
    "invoices.month_zip": ("GET", {"month": "2026-11"}, STAFF),
    "invoices.register": ("GET", {"month": "2026-11"}, STAFF),
    "invoices.cycle_invoices": ("GET", lambda f: {"cycle_id": f.OrderCycleFactory().id}, STAFF),
    "invoices.credit": ("GET", lambda f: {"invoice_id": f.InvoiceFactory().id}, STAFF),
    # A producer's lists, reached by a producer user of another producer: refused.
    "exports.producer_lists": ("GET", another_producer, STAFF),
    "exports.producer_list_page": ("GET", another_producers_cycle, STAFF),
    "exports.producer_list": ("GET", lambda f: {**another_producers_cycle(f), "fmt": "csv"}, STAFF),
    "pickup.choose_point": ("GET", {}, STAFF),
    "pickup.point_page": ("GET", lambda f: {"pickup_id": f.CyclePickupFactory().id}, STAFF),
    "pickup.order_page": ("GET", an_order_at_pickup, STAFF),
    "pickup.confirm_no_show": ("GET", an_order_at_pickup, STAFF),
    "pickup.order_action": (
        "POST",
        lambda f: {**an_order_at_pickup(f), "action": "collected"},
        STAFF,
    ),
    "privacy.policy": ("GET", {}, EVERYONE),
    "privacy.download_data": ("GET", {}, HOUSEHOLDS),
    "privacy.close_account": ("GET", {}, HOUSEHOLDS),
    "privacy.requests": ("GET", {}, STAFF),
    "privacy.erase": ("POST", lambda f: {"household_id": f.HouseholdFactory().id}, STAFF),
    # Seasonal contracts: households subscribe, producers define theirs, staff see them all.
    "subscriptions.contracts_page": ("GET", {}, EVERYONE),
    "subscriptions.subscribe": (
        "POST",
        lambda f: {"contract_id": f.ContractFactory().id},
        HOUSEHOLDS,
    ),
    "subscriptions.declare_absence": (
        "POST",
        lambda f: {"subscription_id": f.SubscriptionFactory().id},
        HOUSEHOLDS,
    ),
    "subscriptions.end": (
        "POST",
        lambda f: {"subscription_id": f.SubscriptionFactory().id},
        HOUSEHOLDS,
    ),
    "subscriptions.producer_page": ("GET", {}, PRODUCERS),
    "subscriptions.create_contract": ("POST", {}, PRODUCERS),
    # Another producer's contract is not found (answered, not refused); staff see it.
    "subscriptions.contract_page": (
        "GET",
        lambda f: {"contract_id": f.ContractFactory().id},
        ("login", "403", "ok", "ok", "ok"),
    ),
    "subscriptions.coordination_page": ("GET", {}, STAFF),
    "subscriptions.create_contract_for_producer": ("POST", {}, STAFF),
    "subscriptions.record_instalment": (
        "POST",
        lambda f: {"instalment_id": f.InstalmentFactory().id},
        STAFF,
    ),
    "subscriptions.invite_share": (
        "POST",
        lambda f: {"subscription_id": f.SubscriptionFactory().id},
        HOUSEHOLDS,
    ),
    "subscriptions.answer_share": (
        "POST",
        lambda f: {"share_id": f.BasketShareFactory().id, "answer": "accept"},
        HOUSEHOLDS,
    ),
}
