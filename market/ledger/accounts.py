"""The chart of accounts: stable keys and their French account numbers (PCG).

| key              | number | why                                                      |
|------------------|--------|----------------------------------------------------------|
| household:<id>   | 411    | clients; one auxiliary account per household (H00042)    |
| producer:<id>    | 467    | funds collected for producers; auxiliary P00007          |
| hub:commission   | 706    | prestations de services: the commission, excluding VAT   |
| hub:vat          | 44571  | TVA collectée, on the commission                         |
| hub:adjustments  | 658    | charges diverses: adjustments in a party's favour        |
| hub:gains        | 758    | produits divers: adjustments in the hub's favour         |
| cash:bank        | 512    | the hub's bank account (transfers in and out, payouts)   |
| cash:till        | 530    | the till: cash taken at pickup                           |
| cash:cheque      | 5112   | chèques à encaisser, until they are paid in              |
| cash:stripe      | 511    | valeurs à l'encaissement: card payments held by Stripe   |
| cash:card        | 5115   | card-terminal payments taken at pickup, until settled    |

A household's debit balance is what it owes; a credit balance is its prepaid credit.
A producer's credit balance is what the hub owes it.
"""

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from market.extensions import db
from market.ledger.models import LedgerAccount
from market.timeutil import utcnow

FIXED = {
    "hub:commission": ("hub", "706", "Commissions"),
    "hub:vat": ("hub", "44571", "TVA collectée"),
    "hub:adjustments": ("hub", "658", "Ajustements"),
    "hub:gains": ("hub", "758", "Ajustements en faveur du marché"),
    "cash:bank": ("cash", "512", "Banque"),
    "cash:till": ("cash", "530", "Caisse"),
    "cash:cheque": ("cash", "5112", "Chèques à encaisser"),
    "cash:stripe": ("cash", "511", "Paiements par carte (Stripe)"),
    "cash:card": ("cash", "5115", "Cartes bancaires à encaisser"),
}

# How money comes in or goes out, and the account it passes through.
PAYMENT_METHODS = {
    "cash": "cash:till",
    "cheque": "cash:cheque",
    "transfer": "cash:bank",
    "stripe": "cash:stripe",
    "card": "cash:card",
}


def household_key(household_id: int) -> str:
    return f"household:{int(household_id)}"


def producer_key(producer_id: int) -> str:
    return f"producer:{int(producer_id)}"


def cash_key(method: str) -> str:
    return PAYMENT_METHODS[method]


def describe(key: str) -> dict:
    """The columns of a new account with this key."""
    if key in FIXED:
        kind, number, label = FIXED[key]
        return {"kind": kind, "number": number, "label": label}
    kind, _, raw_id = key.partition(":")
    if kind not in ("household", "producer") or not raw_id.isdigit():
        raise ValueError(f"unknown ledger account key {key!r}")
    owner_id = int(raw_id)
    if kind == "household":
        from market.auth.models import Household

        owner = db.session.get(Household, owner_id)
        return {"kind": kind, "number": "411", "auxiliary": f"H{owner_id:05d}",
                "label": owner.name if owner else key, "household_id": owner_id}
    from market.catalog.models import Producer

    owner = db.session.get(Producer, owner_id)
    return {"kind": kind, "number": "467", "auxiliary": f"P{owner_id:05d}",
            "label": owner.name if owner else key, "producer_id": owner_id}


def accounts_for(keys) -> dict[str, LedgerAccount]:
    """The accounts with these keys, created when first used (callers hold the chain lock)."""
    keys = set(keys)
    found = {account.key: account for account in db.session.execute(
        select(LedgerAccount).where(LedgerAccount.key.in_(keys))).scalars()}
    for key in sorted(keys - found.keys()):
        account = LedgerAccount(key=key, **describe(key))
        db.session.add(account)
        found[key] = account
    return found


def account_ids(keys) -> dict[str, int]:
    """Ids of the accounts with these keys, creating missing ones (safe under concurrency).

    Runs before the chain lock is taken, to keep the serialised part of a posting short.
    """
    keys = set(keys)
    table = LedgerAccount.__table__
    query = select(table.c.key, table.c.id).where(table.c.key.in_(keys))
    found = dict(db.session.execute(query).all())
    missing = sorted(keys - found.keys())
    if missing:
        dialect = db.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        rows = [{"key": key, "auxiliary": None, "household_id": None, "producer_id": None,
                 "created_at": utcnow(), **describe(key)} for key in missing]
        db.session.execute(insert(table).values(rows).on_conflict_do_nothing())
        found = dict(db.session.execute(query).all())
    return found


def account_by_key(key: str) -> LedgerAccount | None:
    return db.session.execute(
        select(LedgerAccount).where(LedgerAccount.key == key)).scalar_one_or_none()
