"""Who may reach each endpoint: the declared table the access-matrix test checks.

Each row: endpoint → (method, URL arguments, expected outcome for
anonymous, household, producer, coordinator, admin). URL arguments may be a function of the
factories module that creates what the URL names and returns the arguments.
Outcomes: "ok" (served or handled: 2xx, 3xx elsewhere, 4xx validation), "login" (sent to the
log-in page), "403" (refused). Every endpoint of the app must appear here.
"""

ROLES = ("anonymous", "household", "producer", "coordinator", "admin")

EVERYONE = ("ok", "ok", "ok", "ok", "ok")
LOGGED_IN = ("login", "ok", "ok", "ok", "ok")
ANONYMOUS_ONLY = ("ok", "403", "403", "403", "403")
STAFF = ("login", "403", "403", "ok", "ok")

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
    "orders.shop": ("GET", {}, EVERYONE),
    "cycles.collection_points": ("GET", {}, STAFF),
    "cycles.edit_collection_point": (
        "GET", lambda f: {"point_id": f.CollectionPointFactory().id}, STAFF),
    "cycles.cycle_list": ("GET", {}, STAFF),
    "cycles.edit_cycle": ("GET", lambda f: {"cycle_id": f.OrderCycleFactory().id}, STAFF),
    "cycles.cycle_action": (
        "POST", lambda f: {"cycle_id": f.OrderCycleFactory().id, "action": "publish"}, STAFF),
    "cycles.extend_cycle": ("POST", lambda f: {"cycle_id": f.OrderCycleFactory().id}, STAFF),
    "cycles.prepare_next": ("POST", {}, STAFF),
}
