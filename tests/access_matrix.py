"""Who may reach each endpoint: the declared table the access-matrix test checks.

Each row: endpoint → (method, URL arguments, expected outcome for
anonymous, household, producer, coordinator, admin).
Outcomes: "ok" (served or handled: 2xx, 3xx elsewhere, 4xx validation), "login" (sent to the
log-in page), "403" (refused). Every endpoint of the app must appear here.
"""

ROLES = ("anonymous", "household", "producer", "coordinator", "admin")

EVERYONE = ("ok", "ok", "ok", "ok", "ok")
LOGGED_IN = ("login", "ok", "ok", "ok", "ok")
ANONYMOUS_ONLY = ("ok", "403", "403", "403", "403")
STAFF = ("login", "403", "403", "ok", "ok")
MEMBERS = ("login", "ok", "ok", "403", "403")

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
    "ledger.chain_head": ("GET", {}, EVERYONE),
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
}
