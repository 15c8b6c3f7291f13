"""A local fake of the Stripe API endpoints the app uses, for tests.

An HTTP server in a thread (the SDK is pointed at it through its base address) that keeps
Checkout Sessions and refunds in memory, checks the parameters and the idempotency keys it
receives as Stripe does (same key and same parameters: the first answer again; same key and
other parameters: an error), and signs webhook events exactly as Stripe signs them:
`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint secret>`.

It also serves a minimal hosted payment page, /pay/<session id>, whose "Pay" button completes
the session, delivers the signed `checkout.session.completed` event and sends the browser back
to the session's success address.
"""

import hashlib
import hmac
import html
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{next(ids):06d}{secrets.token_hex(4)}"


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for this body, as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class StripeFailure(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        kind: str = "invalid_request_error",
        code: str | None = None,
    ):
        super().__init__(message)
        self.status, self.body = status, {"error": {"type": kind, "message": message, "code": code}}


def metadata_of(params: dict, prefix: str = "metadata") -> dict:
    found = {}
    for key, value in params.items():
        match = re.fullmatch(rf"{prefix}\[([^\]]+)\]", key)
        if match:
            found[match.group(1)] = value
    return found


def integer(params: dict, key: str, minimum: int = 0) -> int:
    value = params.get(key, "")
    if not value.isdigit() or int(value) < minimum:
        raise StripeFailure(400, f"Invalid integer: {key}={value!r}", code="parameter_invalid")
    return int(value)


class FakeStripe:
    def __init__(self, secret_key: str, webhook_secret: str):
        self.secret_key, self.webhook_secret = secret_key, webhook_secret
        self.sessions: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.idempotent: dict[str, tuple[dict, int, dict]] = {}
        self.calls: list[tuple[str, str, dict, str | None]] = []
        self.events: list[dict] = []
        self.down = False  # answer every API call with a server error
        # How events reach the app: set by the tests (test client, or HTTP to a live server).
        self.deliver: Callable[[str, str], object] | None = None
        self.webhook_delay = 0.0  # the hosted page's webhook arrives this much later
        self.lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self) -> "FakeStripe":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    # --- the API -------------------------------------------------------------------------

    def api(self, method: str, path: str, params: dict, headers) -> tuple[int, dict]:
        key = headers.get("Idempotency-Key")
        with self.lock:
            self.calls.append((method, path, params, key))
            if headers.get("Authorization") != f"Bearer {self.secret_key}":
                return 401, {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Invalid API Key provided",
                    }
                }
            if self.down:
                return 500, {"error": {"type": "api_error", "message": "fake outage"}}
            if method == "POST":
                if not key:
                    return 400, {
                        "error": {
                            "type": "invalid_request_error",
                            "message": "fake: every write needs an Idempotency-Key",
                        }
                    }
                if key in self.idempotent:
                    seen, status, body = self.idempotent[key]
                    if seen != {"path": path, **params}:
                        return 400, {
                            "error": {
                                "type": "idempotency_error",
                                "message": "Keys for idempotent requests can "
                                "only be used with the same "
                                "parameters they were first used "
                                "with.",
                            }
                        }
                    return status, body
            try:
                status, body = 200, self.route(method, path, params)
            except StripeFailure as failure:
                status, body = failure.status, failure.body
            if method == "POST":
                self.idempotent[key] = ({"path": path, **params}, status, body)
            return status, body

    def route(self, method: str, path: str, params: dict) -> dict:
        if method == "POST" and path == "/v1/checkout/sessions":
            return self.create_session(params)
        if method == "GET" and path == "/v1/checkout/sessions":
            return self.list_of(
                [
                    s
                    for s in self.sessions.values()
                    if s["created"] >= int(params.get("created[gte]", 0))
                ],
                path,
                params,
            )
        match = re.fullmatch(r"/v1/checkout/sessions/([\w]+)(/expire)?", path)
        if match and match.group(1) not in self.sessions:
            raise StripeFailure(
                404, f"No such checkout.session: '{match.group(1)}'", code="resource_missing"
            )
        if method == "GET" and match and not match.group(2):
            return self.sessions[match.group(1)]
        if method == "POST" and match and match.group(2):
            return self.expire_open(match.group(1))
        if method == "POST" and path == "/v1/refunds":
            return self.create_refund(params)
        if method == "GET" and path == "/v1/refunds":
            intent = params.get("payment_intent")
            return self.list_of(
                [r for r in self.refunds.values() if r["payment_intent"] == intent], path, params
            )
        raise StripeFailure(404, f"fake: no route {method} {path}")

    def expire_open(self, session_id: str) -> dict:
        """POST /v1/checkout/sessions/:id/expire: only an open session can be expired."""
        session = self.sessions[session_id]
        if session["status"] != "open":
            raise StripeFailure(
                400,
                "Only Checkout Sessions with a status in [open] can be expired.",
                code="checkout_session_not_open",
            )
        session["status"] = "expired"
        return session

    def list_of(self, items: list[dict], path: str, params: dict) -> dict:
        limit = int(params.get("limit", 10))
        items = sorted(items, key=lambda item: item["created"], reverse=True)
        return {
            "object": "list",
            "url": path,
            "has_more": len(items) > limit,
            "data": items[:limit],
        }

    def create_session(self, params: dict) -> dict:
        for required in ("success_url", "cancel_url", "customer_email"):
            if not params.get(required):
                raise StripeFailure(
                    400, f"Missing required param: {required}.", code="parameter_missing"
                )
        if params.get("mode") != "payment":
            raise StripeFailure(400, "fake: only mode=payment is expected")
        metadata = metadata_of(params)
        if not metadata.get("order_id", "").isdigit():
            raise StripeFailure(400, "fake: metadata[order_id] links the session to the order")
        total, index = 0, 0
        while f"line_items[{index}][quantity]" in params:
            item = f"line_items[{index}]"
            if params.get(f"{item}[price_data][currency]") != "eur":
                raise StripeFailure(400, "fake: amounts are expected in eur")
            if not params.get(f"{item}[price_data][product_data][name]"):
                raise StripeFailure(400, f"Missing {item}[price_data][product_data][name]")
            total += integer(params, f"{item}[price_data][unit_amount]") * integer(
                params, f"{item}[quantity]", 1
            )
            index += 1
        if index == 0 or total <= 0:
            raise StripeFailure(400, "fake: a session needs line items worth something")
        session_id = new_id("cs")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "amount_total": total,
            "currency": "eur",
            "customer_email": params["customer_email"],
            "client_reference_id": params.get("client_reference_id"),
            "metadata": metadata,
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "url": f"{self.base_url}/pay/{session_id}",
            "created": int(time.time()),
            "expires_at": int(time.time()) + 86400,
            "livemode": False,
        }
        self.sessions[session_id] = session
        return session

    def create_refund(self, params: dict) -> dict:
        intent = params.get("payment_intent")
        session = next(
            (s for s in self.sessions.values() if s["payment_intent"] == intent and intent), None
        )
        if session is None or session["payment_status"] != "paid":
            raise StripeFailure(400, f"No such payment_intent: '{intent}'", code="resource_missing")
        amount = integer(params, "amount", 1)
        already = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent)
        if already + amount > session["amount_total"]:
            raise StripeFailure(
                400, "Refund amount is greater than unrefunded amount", code="amount_too_large"
            )
        refund = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": "eur",
            "payment_intent": intent,
            "charge": session["charge"],
            "status": "succeeded",
            "metadata": metadata_of(params),
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        return refund

    # --- what the tests make happen on Stripe's side ----------------------------------------

    def complete(self, session_id: str, *, asynchronous: bool = False) -> dict:
        """The customer pays (card) or submits a bank debit that settles later."""
        with self.lock:
            session = self.sessions[session_id]
            session.update(
                status="complete",
                payment_status="unpaid" if asynchronous else "paid",
                payment_intent=new_id("pi"),
                charge=new_id("ch"),
            )
            return session

    def settle(self, session_id: str, succeeded: bool) -> dict:
        with self.lock:
            session = self.sessions[session_id]
            session["payment_status"] = "paid" if succeeded else "unpaid"
            return session

    def expire(self, session_id: str) -> dict:
        with self.lock:
            session = self.sessions[session_id]
            session["status"] = "expired"
            return session

    def refund_on_dashboard(self, session_id: str, amount: int) -> dict:
        """A refund made by a person on Stripe's dashboard, not by the app."""
        session = self.sessions[session_id]
        params = {"payment_intent": session["payment_intent"], "amount": str(amount)}
        with self.lock:
            return self.create_refund(params)

    def charge_of(self, session_id: str) -> dict:
        session = self.sessions[session_id]
        refunded = sum(
            r["amount"]
            for r in self.refunds.values()
            if r["payment_intent"] == session["payment_intent"]
        )
        return {
            "id": session["charge"],
            "object": "charge",
            "amount": session["amount_total"],
            "amount_refunded": refunded,
            "payment_intent": session["payment_intent"],
            "refunded": refunded == session["amount_total"],
        }

    def event(self, kind: str, obj: dict) -> dict:
        event = {
            "id": new_id("evt"),
            "object": "event",
            "type": kind,
            "api_version": "2025-01-01",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": dict(obj)},
        }
        self.events.append(event)
        return event

    def signed(
        self, event: dict, *, timestamp: int | None = None, secret: str | None = None
    ) -> tuple[str, str]:
        payload = json.dumps(event)
        return payload, sign(payload, secret or self.webhook_secret, timestamp)

    def send(self, event: dict, **signing):
        payload, header = self.signed(event, **signing)
        return self.deliver(payload, header)

    def send_session_event(self, kind: str, session_id: str):
        return self.send(self.event(kind, self.sessions[session_id]))

    # --- the hosted page ------------------------------------------------------------------

    def hosted_page(self, session_id: str) -> str:
        session = self.sessions[session_id]
        amount = f"{session['amount_total'] / 100:.2f} EUR"
        return (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Fake Stripe Checkout</title></head><body>"
            f"<h1>Fake Stripe Checkout</h1><p>{html.escape(amount)}</p>"
            f"<form method='post' action='/pay/{session_id}'>"
            f"<button type='submit'>Pay</button></form>"
            f"<p><a href='{html.escape(session['cancel_url'])}'>Back</a></p></body></html>"
        )

    def pay_from_page(self, session_id: str) -> str:
        """The Pay button: complete, tell the app (maybe a little later), send the browser back."""
        session = self.complete(session_id)
        event = self.event("checkout.session.completed", session)
        if self.webhook_delay:
            timer = threading.Timer(self.webhook_delay, self.send, args=(event,))
            timer.daemon = True
            timer.start()
        else:
            self.send(event)
        return session["success_url"]

    def handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet test output
                pass

            def answer(self, status: int, body: str, content_type: str, location=None):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", new_id("req"))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(data)

            def handle_any(self, method: str):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                page = re.fullmatch(r"/pay/([\w]+)", parts.path)
                if page and page.group(1) in fake.sessions:
                    if method == "GET":
                        return self.answer(200, fake.hosted_page(page.group(1)), "text/html")
                    return self.answer(
                        303, "", "text/html", location=fake.pay_from_page(page.group(1))
                    )
                params = dict(
                    parse_qsl(body if method == "POST" else parts.query, keep_blank_values=True)
                )
                status, answer = fake.api(method, parts.path, params, self.headers)
                self.answer(status, json.dumps(answer), "application/json")

            def do_GET(self):
                self.handle_any("GET")

            def do_POST(self):
                self.handle_any("POST")

        return Handler
