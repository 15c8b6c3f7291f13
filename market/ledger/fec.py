"""Exports of a fiscal year: the journal as CSV, and the FEC.

The FEC (fichier des écritures comptables, article A47 A-1 of the Livre des procédures
fiscales): the 18 columns below in this order, a header line, tab-separated, one line per
entry, records separated by CR LF, encoded ISO 8859-15, dates AAAAMMJJ, amounts with a decimal
comma in separate Debit and Credit columns, each transaction one balanced écriture numbered
continuously from 1 over the year, households (411) and producers (467) as auxiliary accounts.
The file is named <SIREN>FEC<AAAAMMJJ>.txt after the fiscal year's closing date (31 December).
Dates are the hub's local dates.
"""

import csv
import io
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from market.company_numbers import hub_siren
from market.extensions import db
from market.ledger.canonical import canonical_time
from market.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from market.money import decimal_text
from market.spreadsheets import csv_row
from market.timeutil import hub_zone, to_hub_time

FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
FEC_ENCODING = "iso-8859-15"
# Sales through the hub, treasury movements, and the rest.
JOURNALS = {"VT": "Ventes", "BQ": "Trésorerie", "OD": "Opérations diverses"}
KIND_JOURNALS = {
    "order.placed": "VT",
    "order.changed": "VT",
    "order.cancelled": "VT",
    "fulfilment.adjusted": "VT",
    "payment.received": "BQ",
    "refund": "BQ",
    "payout": "BQ",
    "credit.topup": "BQ",
    "credit.repayment": "BQ",
    "contract.instalment": "BQ",
}
# The name of the general account an auxiliary account belongs to.
AUXILIARY_LEDGERS = {
    "household": "Clients",
    "producer": "Producteurs",
    "contract": "Clients - avances reçues",
}
KIND_LABELS = {
    "order.placed": "Commande",
    "order.changed": "Commande modifiée",
    "order.cancelled": "Commande annulée",
    "fulfilment.adjusted": "Ajustement de livraison",
    "payment.received": "Paiement reçu",
    "refund": "Remboursement",
    "payout": "Virement au producteur",
    "credit.topup": "Crédit prépayé",
    "credit.repayment": "Remboursement de crédit",
    "contract.instalment": "Échéance de contrat",
    "contract.applied": "Livraison payée par le contrat",
    "contract.settled": "Solde de contrat",
    "adjustment": "Ajustement",
    "reversal": "Extourne",
}


def year_transactions(year: int) -> list[LedgerTransaction]:
    zone = hub_zone()
    starts = datetime.combine(date(year, 1, 1), time(0), tzinfo=zone)
    ends = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=zone)
    return list(
        db.session.execute(
            select(LedgerTransaction)
            .where(LedgerTransaction.occurred_at >= starts, LedgerTransaction.occurred_at < ends)
            .order_by(LedgerTransaction.seq)
            .options(
                selectinload(LedgerTransaction.entries)
                .joinedload(LedgerEntry.account)
                .options(joinedload(LedgerAccount.household), joinedload(LedgerAccount.producer)),
                joinedload(LedgerTransaction.reverses),
            )
        )
        .unique()
        .scalars()
    )


def fec_filename(year: int) -> str:
    """Refused without the hub's real SIREN: a file named after a placeholder is worthless."""
    return f"{hub_siren()}FEC{year}1231.txt"


def fec_date(moment: datetime) -> str:
    return to_hub_time(moment).strftime("%Y%m%d")


def clean(text: str) -> str:
    """No tab or line break inside a field."""
    return " ".join((text or "").split())


def ecriture_label(transaction: LedgerTransaction) -> str:
    label = KIND_LABELS.get(transaction.kind, transaction.kind)
    detail = transaction.memo or transaction.reference
    return clean(f"{label} {detail}".strip())


def fec_rows(year: int):
    yield FEC_COLUMNS
    for number, transaction in enumerate(year_transactions(year), start=1):
        journal = KIND_JOURNALS.get(transaction.kind, "OD")
        day = fec_date(transaction.occurred_at)
        piece = clean(transaction.reference) or f"T{transaction.seq}"
        for entry in sorted(transaction.entries, key=lambda e: (e.amount < 0, e.position)):
            account = entry.account
            auxiliary = account.auxiliary or ""
            yield (
                journal,
                JOURNALS[journal],
                str(number),
                day,
                account.number,
                clean(account.label if not auxiliary else AUXILIARY_LEDGERS[account.kind]),
                auxiliary,
                clean(account.label) if auxiliary else "",
                piece[:60],
                day,
                ecriture_label(transaction)[:200],
                decimal_text(max(entry.amount, 0), ","),
                decimal_text(max(-entry.amount, 0), ","),
                "",
                "",
                day,
                "",
                "",
            )


def fec_bytes(year: int) -> bytes:
    text = "".join("\t".join(row) + "\r\n" for row in fec_rows(year))
    return text.encode(FEC_ENCODING, errors="replace")


def csv_text(year: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "seq",
            "occurred_at",
            "kind",
            "reference",
            "memo",
            "payment_method",
            "reverses",
            "account",
            "number",
            "auxiliary",
            "debit",
            "credit",
            "vat_rate",
            "hash",
        ]
    )
    for transaction in year_transactions(year):
        for entry in transaction.entries:
            writer.writerow(
                csv_row(
                    [
                        transaction.seq,
                        canonical_time(transaction.occurred_at),
                        transaction.kind,
                        transaction.reference,
                        transaction.memo,
                        transaction.payment_method or "",
                        transaction.reverses.seq if transaction.reverses else "",
                        entry.account.key,
                        entry.account.number,
                        entry.account.auxiliary or "",
                        decimal_text(max(entry.amount, 0), "."),
                        decimal_text(max(-entry.amount, 0), "."),
                        "" if entry.vat_rate is None else entry.vat_rate,
                        transaction.hash,
                    ]
                )
            )
    return out.getvalue()


def export(kind: str, year: int) -> tuple[str, bytes, str]:
    """(file name, content, MIME type)."""
    if kind == "fec":
        return fec_filename(year), fec_bytes(year), "text/plain; charset=iso-8859-15"
    return f"journal-{year}.csv", csv_text(year).encode(), "text/csv; charset=utf-8"
