"""The floor: the ordering journey written as plainly as Flask, Jinja and psycopg allow.

A yardstick for bench/ordering.py, not a part of market: no ORM, no extension, one
connection per worker process, SQL written out, templates in this file. It works on market's
own schema and database and does the essential work market does for the same journey: log-in
(Argon2 and a signed session cookie), the shop listing the open cycle's offers, adds to a
cart (one upsert each), the cart page, and a checkout that locks the household, takes a place
at the collection point and reserves stock with the same conditional updates, numbers the
order, writes it and its lines, queues the confirmation in the outbox and posts the sale
through the same `ledger_append` function (migrations 0010 to 0012), so `ledger verify` holds
after it. Only a household's first order in a cycle is handled: it is all the benchmark does.

Run by bench/ordering.py under gunicorn: `floor_app:create_app()` with MARKET_DATABASE_URL
set (a psycopg address: postgresql://...).
"""

import hmac
import os
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, flash, jsonify, redirect, render_template, request, session
from jinja2 import DictLoader
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import Config
from market.ledger.accounts import identity
from market.ledger.builders import as_entries, order_version_key, sale_entries
from market.ledger.canonical import digest, payload_document, text_around_chain
from market.ledger.models import CANONICAL_FORMAT
from market.ledger.posting import APPEND_SQL, normalise
from market.pricing import line_amount

MAX_QUANTITY = 99

TEMPLATES = {
    "base.html": """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>{% block title %}{% endblock %} · Marché</title></head><body>
<header><a href="/shop">Boutique</a> <a href="/cart">Mon panier ({{ in_cart }})</a></header>
{% for category, message in get_flashed_messages(with_categories=true) %}
<p class="flash {{ category }}">{{ message }}</p>{% endfor %}
<main>{% block main %}{% endblock %}</main></body></html>""",
    "login.html": """{% extends "base.html" %}{% block title %}Connexion{% endblock %}
{% block main %}<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<label>Adresse e-mail <input name="email" type="email"></label>
<label>Mot de passe <input name="password" type="password"></label>
<button>Se connecter</button></form>{% endblock %}""",
    "shop.html": """{% extends "base.html" %}{% block title %}Boutique{% endblock %}
{% block main %}<h1>{{ cycle.name }}</h1><ul>{% for offer in offers %}
<li><h2>{{ offer.name }}</h2><p>{{ offer.producer }} · {{ offer.unit }}
{% if offer.size %}({{ offer.size }}){% endif %}</p><p>{{ money(offer.price_cents) }}</p>
{% if offer.sold_out %}<p>Épuisé</p>{% else %}<form method="post" action="/cart/add">
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<input type="hidden" name="offer_id" value="{{ offer.id }}">
<input type="hidden" name="next" value="/shop">
<label>Quantité <input name="quantity" type="number" min="1" max="99" value="1"></label>
<button>Ajouter au panier</button></form>{% endif %}</li>{% endfor %}</ul>{% endblock %}""",
    "cart.html": """{% extends "base.html" %}{% block title %}Mon panier{% endblock %}
{% block main %}<h1>Mon panier</h1><form method="post" action="/cart/update">
<input type="hidden" name="csrf_token" value="{{ csrf_token }}"><table>
{% for item in items %}<tr><td>{{ item.name }}</td><td><label>Quantité
<input name="quantity-{{ item.offer_id }}" value="{{ item.quantity }}"></label></td>
<td>{{ money(item.amount) }}</td></tr>{% endfor %}</table>
<button>Mettre à jour</button></form><p>Total : {{ money(total) }}</p>
<form method="post" action="/checkout">
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<input type="hidden" name="submission" value="{{ submission }}">
<fieldset><legend>Point de retrait</legend>{% for pickup in pickups %}<label>
<input type="radio" name="pickup" value="{{ pickup.id }}"{% if loop.first %} checked{% endif %}>
{{ pickup.name }}, {{ pickup.town }}</label>{% endfor %}</fieldset>
<fieldset><legend>Paiement</legend><label><input type="radio" name="payment" value="pickup"
checked> au retrait</label></fieldset><button>Commander</button></form>{% endblock %}""",
    "order.html": """{% extends "base.html" %}{% block title %}Commande {{ order.reference }}
{% endblock %}{% block main %}<h1>Commande {{ order.reference }}</h1><table>
{% for line in lines %}<tr><td>{{ line.product_name }}</td><td>{{ line.quantity }}</td>
<td>{{ money(line.amount) }}</td></tr>{% endfor %}</table>
<p>Total : {{ money(total) }}</p>{% endblock %}""",
    "confirmation.txt": """Votre commande {{ reference }} est enregistrée
Bonjour {{ name }},

{% for line in lines %}{{ line.quantity }} × {{ line.product_name }} : {{ money(line.amount) }}
{% endfor %}
Total : {{ money(total) }}
{{ link }}
""",
}


def money(cents: int) -> str:
    euros, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{euros},{rest:02d}\u00a0€"


def create_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = os.environ["MARKET_SECRET_KEY"]
    app.jinja_loader = DictLoader(TEMPLATES)
    app.jinja_env.globals["money"] = money
    url = os.environ["MARKET_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    commission = Config.HUB_COMMISSION_BASIS_POINTS
    hasher = PasswordHasher()
    connection: list[psycopg.Connection] = []

    def database() -> psycopg.Connection:
        """This worker's one connection (a sync worker answers one request at a time)."""
        if not connection or connection[0].closed:
            connection[:] = [psycopg.connect(url, autocommit=False)]
        return connection[0]

    @app.teardown_request
    def end_transaction(error):
        if connection and not connection[0].closed:
            connection[0].rollback()  # what was not committed on purpose

    @app.before_request
    def check_token():
        session.setdefault("csrf", secrets.token_urlsafe(24))
        if request.method == "POST" and not hmac.compare_digest(
            request.form.get("csrf_token", ""), session["csrf"]
        ):
            abort(400)

    def page(template: str, status: int = 200, *, cycle=None, **context):
        household_id = session.get("household_id")
        in_cart = cart_count(household_id, cycle["id"]) if household_id and cycle else 0
        return render_template(
            template, csrf_token=session["csrf"], in_cart=in_cart, cycle=cycle, **context
        ), status

    def rows(sql: str, parameters=()) -> list[dict]:
        with database().cursor(row_factory=dict_row) as cursor:
            return cursor.execute(sql, parameters).fetchall()

    def open_cycle() -> dict | None:
        found = rows(
            "SELECT id, name FROM order_cycles WHERE settled_at IS NULL"
            " AND published_at IS NOT NULL AND opens_at <= now() AND closes_at > now()"
            " ORDER BY opens_at LIMIT 1"
        )
        return found[0] if found else None

    def cart_count(household_id: int, cycle_id: int) -> int:
        return rows(
            "SELECT count(*) AS n FROM cart_items c JOIN offers o ON o.id = c.offer_id"
            " WHERE c.household_id = %s AND o.cycle_id = %s",
            (household_id, cycle_id),
        )[0]["n"]

    def household() -> int:
        household_id = session.get("household_id")
        if household_id is None:
            abort(401)
        return household_id

    @app.get("/healthz")
    def healthz():
        return "ok"

    @app.get("/login")
    def login_page():
        return page("login.html")

    @app.post("/login")
    def login():
        found = rows(
            "SELECT id, household_id, password_hash FROM users WHERE email = %s AND active",
            (request.form.get("email", "").strip().lower(),),
        )
        try:
            if not found or not hasher.verify(
                found[0]["password_hash"], request.form.get("password", "")
            ):
                abort(401)
        except (VerificationError, InvalidHashError):
            abort(401)
        session.update(user_id=found[0]["id"], household_id=found[0]["household_id"])
        return redirect("/shop")

    @app.get("/shop")
    def shop():
        cycle = open_cycle()
        offers = (
            rows(
                "SELECT o.id, o.price_cents, p.name, p.unit, p.size, pr.name AS producer,"
                " o.cap IS NOT NULL AND o.ordered_quantity >= o.cap AS sold_out"
                " FROM offers o JOIN products p ON p.id = o.product_id"
                " JOIN producers pr ON pr.id = p.producer_id"
                " WHERE o.cycle_id = %s AND o.confirmed AND o.withdrawn_at IS NULL AND p.active"
                " ORDER BY p.name",
                (cycle["id"],),
            )
            if cycle
            else []
        )
        return page("shop.html", cycle=cycle, offers=offers)

    @app.post("/cart/add")
    def add_to_cart():
        household_id, cycle = household(), open_cycle()
        quantity = request.form.get("quantity", "1")
        if not quantity.isdigit() or not 1 <= int(quantity) <= MAX_QUANTITY:
            return jsonify(message="Quantité invalide."), 400
        offer = rows(
            "SELECT p.name FROM offers o JOIN products p ON p.id = o.product_id"
            " WHERE o.id = %s AND o.cycle_id = %s AND o.confirmed"
            " AND o.withdrawn_at IS NULL AND (o.cap IS NULL OR o.ordered_quantity < o.cap)",
            (request.form.get("offer_id", "0"), cycle["id"] if cycle else 0),
        )
        if not offer:
            return jsonify(message="Ce produit n'est pas en vente ou est épuisé."), 409
        with database().cursor() as cursor:
            cursor.execute(
                "INSERT INTO cart_items (household_id, offer_id, quantity, added_at)"
                " VALUES (%s, %s, %s, now()) ON CONFLICT (household_id, offer_id) DO UPDATE"
                " SET quantity = least(cart_items.quantity + excluded.quantity, %s)",
                (household_id, request.form["offer_id"], int(quantity), MAX_QUANTITY),
            )
        database().commit()
        message = f"« {offer[0]['name']} » × {quantity} ajouté à votre panier."
        if request.accept_mimetypes.best == "application/json":
            return jsonify(
                message=message, cart=f"Mon panier ({cart_count(household_id, cycle['id'])})"
            )
        flash(message, "success")
        return redirect("/shop")

    def cart_items(household_id: int, cycle_id: int) -> list[dict]:
        items = rows(
            "SELECT c.offer_id, c.quantity, o.price_cents, p.id AS product_id, p.producer_id,"
            " p.name, p.unit, p.size, p.vat_basis_points, p.sold_by_weight,"
            " p.estimated_weight_grams FROM cart_items c JOIN offers o ON o.id = c.offer_id"
            " JOIN products p ON p.id = o.product_id"
            " WHERE c.household_id = %s AND o.cycle_id = %s ORDER BY c.id",
            (household_id, cycle_id),
        )
        for item in items:
            item["amount"] = line_amount(
                item["price_cents"],
                item["quantity"],
                item["sold_by_weight"],
                item["estimated_weight_grams"],
            )
        return items

    def cart_page(status: int = 200):
        household_id, cycle = household(), open_cycle()
        items = cart_items(household_id, cycle["id"]) if cycle else []
        pickups = (
            rows(
                "SELECT cp.id, p.name, p.town FROM cycle_pickups cp"
                " JOIN collection_points p ON p.id = cp.collection_point_id"
                " WHERE cp.cycle_id = %s ORDER BY cp.id",
                (cycle["id"],),
            )
            if cycle
            else []
        )
        return page(
            "cart.html",
            status,
            cycle=cycle,
            items=items,
            pickups=pickups,
            total=sum(item["amount"] for item in items),
            submission=secrets.token_urlsafe(16),
        )

    @app.get("/cart")
    def cart():
        return cart_page()

    @app.post("/cart/update")
    def update_cart():
        household_id = household()
        with database().cursor() as cursor:
            for field, value in request.form.items():
                if field.startswith("quantity-") and value.isdigit():
                    offer_id, quantity = int(field.removeprefix("quantity-")), int(value)
                    if quantity == 0:
                        cursor.execute(
                            "DELETE FROM cart_items WHERE household_id = %s AND offer_id = %s",
                            (household_id, offer_id),
                        )
                    else:
                        cursor.execute(
                            "UPDATE cart_items SET quantity = %s WHERE"
                            " household_id = %s AND offer_id = %s",
                            (min(quantity, MAX_QUANTITY), household_id, offer_id),
                        )
        database().commit()
        return redirect("/cart")

    @app.post("/checkout")
    def checkout():
        household_id, cycle = household(), open_cycle()
        if cycle is None:
            return cart_page(409)
        refusal = place(
            household_id,
            cycle,
            request.form.get("pickup", "0"),
            request.form.get("payment", "pickup"),
            request.form.get("submission"),
        )
        if isinstance(refusal, str):
            database().rollback()
            flash(refusal, "error")
            return cart_page(409)
        database().commit()
        flash(f"Merci ! Votre commande {refusal['reference']} est enregistrée.", "success")
        return redirect(f"/orders/{refusal['id']}")

    def place(
        household_id: int, cycle: dict, pickup_id: str, payment: str, submission: str | None
    ) -> dict | str:
        """The order made of the cart, or why not. Locks in market's order: household,
        collection point, offers by id, the ledger's head (at commit)."""
        cursor = database().cursor(row_factory=dict_row)
        cursor.execute("SELECT id FROM households WHERE id = %s FOR UPDATE", (household_id,))
        if cursor.execute(
            "SELECT 1 FROM orders WHERE household_id = %s AND cycle_id = %s",
            (household_id, cycle["id"]),
        ).fetchone():
            return "Vous avez déjà commandé dans ce cycle."
        items = cart_items(household_id, cycle["id"])
        if not items:
            return "Votre panier est vide."
        cursor.execute("DELETE FROM cart_items WHERE household_id = %s", (household_id,))
        if (
            not pickup_id.isdigit()
            or cursor.execute(
                "UPDATE cycle_pickups SET orders_count = orders_count + 1 WHERE id = %s"
                " AND cycle_id = %s AND (orders_count < (SELECT capacity FROM collection_points"
                " WHERE id = collection_point_id) OR (SELECT capacity FROM collection_points"
                " WHERE id = collection_point_id) IS NULL)",
                (pickup_id, cycle["id"]),
            ).rowcount
            != 1
        ):
            return "Ce point de retrait est complet."
        sold_out = [
            item["name"]
            for item in sorted(items, key=lambda item: item["offer_id"])
            if cursor.execute(
                "UPDATE offers SET ordered_quantity = ordered_quantity + %s"
                " WHERE id = %s AND withdrawn_at IS NULL AND confirmed AND"
                " (cap IS NULL OR ordered_quantity + %s <= cap)",
                (item["quantity"], item["offer_id"], item["quantity"]),
            ).rowcount
            != 1
        ]
        if sold_out:
            return f"Épuisé : {', '.join(sold_out)}. Rien n'a été modifié."
        number = cursor.execute(
            "UPDATE order_cycles SET orders_numbered = orders_numbered + 1"
            " WHERE id = %s RETURNING orders_numbered",
            (cycle["id"],),
        ).fetchone()["orders_numbered"]
        reference = f"{cycle['id']}-{number:03d}"
        order_id = cursor.execute(
            "INSERT INTO orders (cycle_id, household_id, pickup_id, number, reference, status,"
            " payment_choice, version, last_submission, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, 'placed', %s, 1, %s, now(), now()) RETURNING id",
            (cycle["id"], household_id, pickup_id, number, reference, payment, submission),
        ).fetchone()["id"]
        cursor.executemany(
            "INSERT INTO order_lines (order_id, offer_id, product_id, producer_id,"
            " product_name, unit, size, quantity, unit_price_cents, vat_basis_points,"
            " sold_by_weight, estimated_weight_grams, missing_quantity)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0)",
            [
                (
                    order_id,
                    item["offer_id"],
                    item["product_id"],
                    item["producer_id"],
                    item["name"],
                    item["unit"],
                    item["size"],
                    item["quantity"],
                    item["price_cents"],
                    item["vat_basis_points"],
                    item["sold_by_weight"],
                    item["estimated_weight_grams"],
                )
                for item in items
            ],
        )
        total = sum(item["amount"] for item in items)
        queue_confirmation(cursor, household_id, order_id, reference, items, total)
        post_sale(cursor, household_id, order_id, reference, items)
        return {"id": order_id, "reference": reference}

    def queue_confirmation(cursor, household_id, order_id, reference, items, total) -> None:
        lines = [
            {"quantity": item["quantity"], "product_name": item["name"], "amount": item["amount"]}
            for item in items
        ]
        for user in cursor.execute(
            "SELECT id, email, name FROM users WHERE household_id = %s AND active ORDER BY id",
            (household_id,),
        ).fetchall():
            subject, _, body = render_template(
                "confirmation.txt",
                reference=reference,
                name=user["name"],
                lines=lines,
                total=total,
                link=f"{request.host_url}orders/{order_id}",
            ).partition("\n")
            cursor.execute(
                "INSERT INTO outbox_messages (recipient, subject, body, event_key,"
                " created_at, attempts) VALUES (%s, %s, %s, %s, now(), 0)",
                (user["email"], subject, body.strip() + "\n", f"order:{order_id}:v1:{user['id']}"),
            )

    def post_sale(cursor, household_id, order_id, reference, items) -> None:
        """market's post_order_placed, by hand: the same entries and canonical text, the same
        ledger_append call."""
        lines = normalise(
            as_entries(
                sale_entries(
                    household_id,
                    [
                        (item["producer_id"], item["amount"], item["vat_basis_points"])
                        for item in items
                    ],
                    commission,
                )
            )
        )
        content = {
            "format": CANONICAL_FORMAT,
            "kind": "order.placed",
            "idempotency_key": order_version_key(order_id, 1),
            "reference": reference,
            "memo": "",
            "payment_method": None,
            "reverses": None,
            "order_id": order_id,
            "entries": [(key, amount, rate, identity(key)) for key, amount, rate in lines],
        }
        content["payload_hash"] = digest(
            payload_document("order.placed", lines, reference, "", None, None, order_id)
        )
        before_time, before_prev_hash, before_seq = text_around_chain(**content)
        parameters = {
            **content,
            "keys": [key for key, _, _ in lines],
            "amounts": [amount for _, amount, _ in lines],
            "rates": [rate for _, _, rate in lines],
            "reverses_id": None,
            "requested": None,
            "now": datetime.now(UTC),
            "before_time": before_time,
            "before_prev_hash": before_prev_hash,
            "before_seq": before_seq,
        }
        outcome = cursor.execute(APPEND_SQL, parameters).fetchone()["outcome"]
        if outcome == "accounts missing":  # a first posting on an account opens it
            cursor.executemany(
                "INSERT INTO ledger_accounts (key, kind, number, auxiliary,"
                " household_id, producer_id)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(key, *identity(key)) for key in parameters["keys"]],
            )
            outcome = cursor.execute(APPEND_SQL, parameters).fetchone()["outcome"]
        if outcome != "posted":
            raise RuntimeError(f"ledger_append: {outcome}")

    @app.get("/orders/<int:order_id>")
    def order_page(order_id: int):
        household_id, cycle = household(), open_cycle()
        order = rows(
            "SELECT id, reference FROM orders WHERE id = %s AND household_id = %s",
            (order_id, household_id),
        )
        if not order:
            abort(404)
        lines = rows(
            "SELECT product_name, quantity, unit_price_cents, sold_by_weight,"
            " estimated_weight_grams FROM order_lines WHERE order_id = %s ORDER BY id",
            (order_id,),
        )
        for line in lines:
            line["amount"] = line_amount(
                line["unit_price_cents"],
                line["quantity"],
                line["sold_by_weight"],
                line["estimated_weight_grams"],
            )
        return page(
            "order.html",
            cycle=cycle,
            order=order[0],
            lines=lines,
            total=sum(line["amount"] for line in lines),
        )

    return app
