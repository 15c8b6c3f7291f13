"""Who may reach each endpoint: the declared table the access-matrix test checks.

Each row: endpoint → (method, URL arguments, expected outcome for
anonymous, household, producer, coordinator, admin).
URL arguments may be a callable taking `db` that creates what the row needs and returns them.
Outcomes: "ok" (served or handled: 2xx, 3xx elsewhere, 4xx validation), "login" (sent to the
log-in page), "403" (refused). Every endpoint of the app must appear here.
"""

ROLES = ("anonymous", "household", "producer", "coordinator", "admin")


def another_product(db):
    """A product of a producer the producer fixture does not belong to."""
    from tests.factories import ProductFactory

    product = ProductFactory()
    return {"producer_id": product.producer_id, "product_id": product.id}


def another_producer(db):
    return {"producer_id": another_product(db)["producer_id"]}


def another_category(db):
    from tests.factories import CategoryFactory

    return {"category_id": CategoryFactory().id}


def public_product(db):
    return {"product_id": another_product(db)["product_id"]}


EVERYONE = ("ok", "ok", "ok", "ok", "ok")
LOGGED_IN = ("login", "ok", "ok", "ok", "ok")
ANONYMOUS_ONLY = ("ok", "403", "403", "403", "403")
STAFF = ("login", "403", "403", "ok", "ok")
PRODUCERS = ("login", "403", "ok", "403", "403")

MATRIX = {
    "main.home": ("GET", {}, EVERYONE),
    "main.healthz": ("GET", {}, EVERYONE),
    "main.switch_locale": ("POST", {}, EVERYONE),
    "auth.register": ("GET", {}, EVERYONE),
    "auth.login": ("GET", {}, EVERYONE),
    "auth.logout": ("POST", {}, LOGGED_IN),
    "auth.forgot_password": ("GET", {}, EVERYONE),
    "auth.reset_password": ("GET", {"token": "unknown"}, EVERYONE),
    "auth.profile": ("GET", {}, LOGGED_IN),
    "auth.change_password": ("GET", {}, LOGGED_IN),
    "auth.invitations": ("GET", {}, STAFF),
    "auth.accept_invitation": ("GET", {"token": "unknown"}, ANONYMOUS_ONLY),
    "catalog.directory": ("GET", {}, EVERYONE),
    "catalog.producer_page": ("GET", another_producer, EVERYONE),
    "catalog.product_page": ("GET", public_product, EVERYONE),
    "catalog.photo": ("GET", {"key": "0" * 32, "size": "thumb"}, EVERYONE),
    "catalog.apply": ("GET", {}, ANONYMOUS_ONLY),
    "catalog.dashboard": ("GET", {}, PRODUCERS),
    # A producer's pages, reached by a producer user of another producer: refused.
    "catalog.manage": ("GET", another_producer, STAFF),
    "catalog.edit_profile": ("GET", another_producer, STAFF),
    "catalog.new_product": ("GET", another_producer, STAFF),
    "catalog.edit_product": ("GET", another_product, STAFF),
    "catalog.set_active": ("POST", another_product, STAFF),
    "catalog.upload_photo": ("POST", another_product, STAFF),
    "catalog.export": ("GET", lambda db: {**another_producer(db), "kind": "csv"}, STAFF),
    "catalog.import_catalogue": ("GET", another_producer, STAFF),
    "catalog.apply_import": ("POST", lambda db: {**another_producer(db), "token": "0" * 32},
                             STAFF),
    "catalog.producers": ("GET", {}, STAFF),
    "catalog.create_producer": ("GET", {}, STAFF),
    "catalog.review": ("GET", another_producer, STAFF),
    "catalog.categories": ("GET", {}, STAFF),
    "catalog.edit_category": ("POST", another_category, STAFF),
}
