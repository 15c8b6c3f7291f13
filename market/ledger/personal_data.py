"""The ledger's text stays ten years and cannot be erased: no personal data goes into it.

What the application writes there itself (order references, "seq N", idempotency keys made of
ids) names no one. What the coordinator types (a transfer's reference, a cheque's, the reason
of an adjustment or a reversal) could: these fields refuse an email address, a phone number
and the words of the name of the household the movement is for or of its people.
"""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.validators import ValidationError

from market.auth.models import Household, User
from market.extensions import db

EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.\w+")
# French numbers as people write them: 06 12 34 56 78, 06.12.34.56.78, +33 6 12 34 56 78.
PHONE = re.compile(r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")
# Words of a household's name that say nothing about who it is.
COMMON_WORDS = {"famille", "foyer", "family", "household", "maison", "chez", "monsieur", "madame"}
KEPT_TEXT_HINT = _l(
    "Kept in the books for ten years and never erased: write no name, email "
    "address or phone number here."
)


def name_words(household_id: int) -> set[str]:
    """The distinctive words of the household's name and of its people's names."""
    names = db.session.scalars(
        select(Household.name)
        .where(Household.id == household_id)
        .union_all(select(User.name).where(User.household_id == household_id))
    )
    return {
        word
        for name in names
        for word in re.findall(r"\w+", name.casefold())
        if len(word) >= 4 and word not in COMMON_WORDS
    }


class NoPersonalData:
    """A WTForms validator for text the ledger keeps. `household_of(form)` gives the id of the
    household the movement is for, if any."""

    def __init__(self, household_of=None):
        self.household_of = household_of

    def __call__(self, form, field) -> None:
        text = field.data or ""
        if EMAIL.search(text) or PHONE.search(text):
            raise ValidationError(
                _l(
                    "Write no email address or phone number here: the books "
                    "keep it ten years and it cannot be erased."
                )
            )
        household_id = self.household_of(form) if self.household_of else None
        if household_id and name_words(household_id) & set(re.findall(r"\w+", text.casefold())):
            raise ValidationError(
                _l(
                    "Write no one's name here: the account already says whose "
                    "it is, and the books keep this text for ten years."
                )
            )


def household_of_account(key: str | None) -> int | None:
    """The household id of a ledger account key such as household:42."""
    kind, _, raw_id = (key or "").partition(":")
    return int(raw_id) if kind == "household" and raw_id.isdigit() else None
