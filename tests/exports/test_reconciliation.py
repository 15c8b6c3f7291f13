"""The cycle summary reconciles, to the cent and in every format: sales = cash + cheque + card
at pickup + transfer + online + from credit + still due (− paid beyond, left as credit)."""

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from pypdf import PdfReader

from market.cycles.services import close_early
from market.exports import bundle, writers
from market.exports.data import cycle_data
from market.exports.summary import cycle_summary, summary_tables
from market.ledger.builders import post_credit_topup, post_payment_received, post_refund
from market.orders import services as orders
from market.pickup import services as pickup_day
from market.timeutil import utcnow
from tests.factories import (
    CollectionPointFactory,
    CyclePickupFactory,
    HouseholdUserFactory,
    OfferFactory,
    OrderCycleFactory,
    ProductFactory,
)

FRENCH_MODES = [
    "Espèces",
    "Chèque",
    "Carte bancaire (terminal)",
    "Virement",
    "Carte, en ligne",
    "Depuis le crédit",
    "Reste dû",
]


@pytest.fixture
def every_mode(db):
    """One cycle, two points: an order paid in each way, a refund, a missing item, a real
    weight, a no-show; then the summary."""
    now = utcnow()
    cycle = OrderCycleFactory(
        opens_at=now - timedelta(days=1), published_at=now - timedelta(days=2), pickups=[]
    )
    bourg = CyclePickupFactory(cycle=cycle, collection_point=CollectionPointFactory(name="Bourg"))
    gare = CyclePickupFactory(cycle=cycle, collection_point=CollectionPointFactory(name="Gare"))
    eggs = OfferFactory(
        cycle=cycle, product=ProductFactory(name="Œufs", price_cents=333, vat_basis_points=550)
    )
    juice = OfferFactory(
        cycle=cycle, product=ProductFactory(name="Jus", price_cents=417, vat_basis_points=2000)
    )
    squash = OfferFactory(
        cycle=cycle,
        product=ProductFactory(
            name="Potimarron",
            unit="kg",
            price_cents=299,
            sold_by_weight=True,
            estimated_weight_grams=1500,
        ),
    )
    people = {
        name: HouseholdUserFactory()
        for name in ("cash", "cheque", "card", "transfer", "online", "credit", "noshow", "weighed")
    }
    post_credit_topup(people["credit"].household_id, 5000, "cheque", "avance", "topup-credit")
    placed = {}
    for index, (name, user) in enumerate(people.items()):
        pickup = bourg if index % 2 else gare
        payment = "credit" if name == "credit" else "pickup"
        placed[name] = orders.place(
            user,
            cycle,
            now,
            pickup_id=pickup.id,
            payment=payment,
            items={eggs.id: 2, juice.id: 1, squash.id: 1},
        )
    close_early(cycle, now)
    db.session.flush()
    later = now + timedelta(seconds=1)
    # Pickup day: a missing item, a real weight, then payments by each method.
    eggs_line = next(line for line in placed["cash"].lines if line.offer_id == eggs.id)
    pickup_day.mark_missing(placed["cash"], eggs_line.id, "1", later)
    weighed = next(line for line in placed["weighed"].lines if line.offer_id == squash.id)
    pickup_day.record_weight(placed["weighed"], weighed.id, "1,777", later)
    for name, method in (
        ("cash", "cash"),
        ("cheque", "cheque"),
        ("card", "card"),
        ("transfer", "transfer"),
    ):
        order = placed[name]
        pickup_day.record_payment(
            order, str(pickup_day.order_amount(order) / 100), method, f"pay{name}", later
        )
    pickup_day.record_payment(placed["weighed"], "5", "cash", "payweighedpart", later)
    online = placed["online"]
    post_payment_received(
        online.household_id,
        pickup_day.order_amount(online) + 300,
        "stripe",
        online.reference,
        "stripe-1",
        order_id=online.id,
    )
    post_refund(
        online.household_id, 300, "stripe", online.reference, "stripe-refund-1", order_id=online.id
    )
    pickup_day.mark_no_show(placed["noshow"], later)
    db.session.commit()
    return {"cycle": cycle, "orders": placed}


def test_the_payments_add_up_to_the_sales(db, every_mode):
    data = cycle_data(every_mode["cycle"].id)
    summary = cycle_summary(data)
    sales = summary.total("sales_cents")
    assert sales == sum(order.amount_cents for order in data.orders())
    placed = every_mode["orders"]
    amount = {name: pickup_day.order_amount(order) for name, order in placed.items()}
    assert summary.payments == {
        "cash": amount["cash"] + 500,
        "cheque": amount["cheque"],
        "card": amount["card"],
        "transfer": amount["transfer"],
        "stripe": amount["online"],
    }
    assert summary.credit_used_cents == amount["credit"]
    assert summary.due_cents == amount["noshow"] + amount["weighed"] - 500
    assert summary.beyond_cents == 0
    assert summary.reconciled_cents == sales
    held = {point.name: point.by_method for point in summary.points}
    assert sum(point["cash"] for point in held.values()) == amount["cash"] + 500


def money_cents(text) -> int:
    """'12,34' (CSV, page, PDF) or 12.34 (XLSX) into cents."""
    if isinstance(text, int | float):
        return round(text * 100)
    cleaned = re.sub(r"[^\d,-]", "", str(text).replace("\u2212", "-"))
    return int(cleaned.replace(",", ""))


def payment_rows(rows) -> dict[str, int]:
    """The rows of the table « How the sales were paid », as {label: cents}."""
    start = next(
        i for i, row in enumerate(rows) if row and row[0] == "Comment les ventes ont été payées"
    )
    found = {}
    for row in rows[start + 2 :]:
        if not row or not row[0]:
            break
        found[row[0]] = money_cents(row[1])
        if str(row[0]).startswith("Total"):
            break
    return found


def check(found: dict[str, int], sales: int) -> None:
    assert list(found)[:7] == FRENCH_MODES
    total = found.pop("Total : les ventes")
    assert total == sales == sum(found.values())


def test_every_format_reconciles(app, db, coordinator_client, every_mode):
    data = cycle_data(every_mode["cycle"].id)
    sales = cycle_summary(data).total("sales_cents")
    tables = summary_tables(data)

    text = writers.csv_bytes(tables).decode("utf-8-sig")
    check(payment_rows(list(csv.reader(io.StringIO(text), delimiter=";"))), sales)

    book = openpyxl.load_workbook(io.BytesIO(writers.xlsx_bytes(tables)))
    sheet_rows = [
        list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
    ]
    check(payment_rows(sheet_rows), sales)

    pdf = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(bundle.summary_pdf(data))).pages
    )
    lines = pdf.splitlines()  # one cell per line: the label, then its amount
    start = lines.index("Comment les ventes ont été payées") + 3
    pairs = [[lines[i], lines[i + 1]] for i in range(start, start + 2 * 9, 2)]
    check(payment_rows([["Comment les ventes ont été payées"], ["Mode", "Montant"], *pairs]), sales)

    page = coordinator_client.get(f"/coordination/cycles/{every_mode['cycle'].id}/summary")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    cells = re.findall(r"<tr><th scope=\"row\">([^<]*)</th><td>([^<]*)</td></tr>", html)
    page_rows = [["Comment les ventes ont été payées"], ["Mode", "Montant"]]
    page_rows += [
        [label.replace("&#39;", "'"), amount]
        for label, amount in cells
        if label.replace("&#39;", "'") in (*FRENCH_MODES, "Total : les ventes")
        or label.startswith("Moins")
    ]
    check(payment_rows(page_rows), sales)
    assert "ne correspondent pas" not in html


def test_one_vat_rule_orders_and_summary_agree(db, every_mode):
    """VAT is rounded once per line and summed per rate (README): the summary's VAT per rate
    is the sum of what each order's page and email show, to the cent."""
    summary = cycle_summary(cycle_data(every_mode["cycle"].id))
    expected: dict[int, int] = {}
    for order in every_mode["orders"].values():
        for rate, vat in order.totals.vat_by_rate.items():
            expected[rate] = expected.get(rate, 0) + vat
    assert summary.sales_vat_by_rate == expected


def test_no_shows_under_each_policy_are_listed_with_what_they_owe(
    app, db, coordinator_client, closed_cycle
):
    from market.ledger.accounts import household_key
    from market.ledger.statements import account_balance
    from tests.helpers import outbox

    placed = closed_cycle["orders"]
    later = utcnow() + timedelta(seconds=1)
    pickup_day.mark_no_show(placed["dupuy"], later)  # "charge", the default: stays due
    app.config["HUB_NO_SHOW_POLICY"] = "cancel"
    martin = placed["martin"]
    pickup_day.mark_no_show(martin, later)
    db.session.commit()
    assert martin.is_cancelled
    assert account_balance(household_key(martin.household_id)) == 0  # posted back
    assert account_balance(household_key(placed["dupuy"].household_id)) == 250
    told = [m.subject for m in outbox(db) if "n’a pas été retirée" in m.subject]
    assert len(told) == 2
    page = coordinator_client.get(f"/coordination/cycles/{closed_cycle['cycle'].id}/no-shows")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Anne Dupuy" in text and "Zoé Martin" in text and "annulée" in text
    assert "2,50" in text
