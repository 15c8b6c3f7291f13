"""What a higher domain adds to a household's statement (a prepaid contract's instalments,
say): each section is registered at start-up, so that the ledger never imports it."""

from collections.abc import Callable

from flask import Flask, current_app

EXTENSION = "market.ledger.statement_sections"

# A section: given the household's id, the template to include and what it shows, or None.
Section = Callable[[int], tuple[str, dict] | None]


def register(app: Flask, section: Section) -> None:
    app.extensions.setdefault(EXTENSION, []).append(section)


def sections_for(household_id: int) -> list[tuple[str, dict]]:
    found = (section(household_id) for section in current_app.extensions.get(EXTENSION, []))
    return [section for section in found if section is not None]
