"""A checker for the FEC rules of article A47 A-1 of the Livre des procédures fiscales."""

import re
from collections import defaultdict
from decimal import Decimal

COLUMNS = [
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
]
DATE = re.compile(r"^\d{8}$")
AMOUNT = re.compile(r"^\d+,\d{2}$")
REQUIRED = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "ValidDate",
)


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def fec_problems(name: str, content: bytes, siren: str, year: int) -> list[str]:
    """Every rule the file breaks; empty when it follows them all."""
    problems = []
    if name != f"{siren}FEC{year}1231.txt":
        problems.append(f"file name {name}")
    text = content.decode("iso-8859-15")
    lines = text.split("\r\n")
    if lines[-1] == "":
        lines.pop()
    if lines[0].split("\t") != COLUMNS:
        problems.append("header line")
    totals = defaultdict(lambda: [Decimal(0), Decimal(0)])
    numbers = []
    for index, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != 18:
            problems.append(f"line {index}: {len(fields)} fields")
            continue
        row = dict(zip(COLUMNS, fields, strict=True))
        for column in REQUIRED:
            if not row[column]:
                problems.append(f"line {index}: empty {column}")
        for column in ("EcritureDate", "PieceDate", "ValidDate"):
            if not DATE.match(row[column]) or not row[column].startswith(str(year)):
                problems.append(f"line {index}: {column} {row[column]!r}")
        for column in ("Debit", "Credit"):
            if not AMOUNT.match(row[column]):
                problems.append(f"line {index}: {column} {row[column]!r}")
        if (amount(row["Debit"]) > 0) == (amount(row["Credit"]) > 0):
            problems.append(f"line {index}: one of debit and credit")
        if row["CompteNum"].startswith(("411", "467")) and not (
            row["CompAuxNum"] and row["CompAuxLib"]
        ):
            problems.append(f"line {index}: no auxiliary account")
        number = int(row["EcritureNum"])
        if not numbers or numbers[-1] != number:
            numbers.append(number)
        totals[number][0] += amount(row["Debit"])
        totals[number][1] += amount(row["Credit"])
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append("EcritureNum not continuous")
    problems += [f"écriture {n} unbalanced" for n, (d, c) in totals.items() if d != c]
    return problems
