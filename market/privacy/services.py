"""Closing a household's account, and erasing it (RGPD art. 17) while the books stay whole.

Erasure replaces what identifies the household's people (names, email addresses, phones,
the second collector, the messages sent to them and their log-in records) by a pseudonym
made of its ledger account's auxiliary number (H00042), and makes logging in impossible.
Orders, payments and the ledger stay: the books are kept ten years, and the ledger's hashed
text names accounts by their keys, never by a person, so it still verifies.
"""

import logging
import re
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import selectinload

from market.auth.errors import InvalidCredentials
from market.auth.models import (
    Household,
    Invitation,
    LoginAttempt,
    LoginSession,
    LoginThrottle,
    PasswordReset,
    SignupRequest,
    User,
)
from market.auth.passwords import verify_password
from market.auth.services import user_by_email
from market.auth.throttle import throttle_key
from market.cycles.models import CyclePickup
from market.extensions import db
from market.i18n import money
from market.ledger.accounts import household_key, identity
from market.ledger.statements import account_balance, household_balances
from market.mail.models import OutboxMessage
from market.mail.services import queue_mail
from market.orders.models import CartItem, Order, OrderStatus
from market.privacy.errors import ErasureRefused, NotAHousehold
from market.subscriptions.services import open_commitment
from market.timeutil import utcnow
from market.urls import external_url

log = logging.getLogger(__name__)

# Never the result of hashing a password: verify_password() refuses it.
UNUSABLE_PASSWORD = "!erased"  # noqa: S105


def locked_household(household_id: int) -> Household:
    """The household, its row locked until the end of the transaction (a write takes the
    database's lock on SQLite), so that closing and erasing it never run twice at once."""
    db.session.execute(
        update(Household)
        .where(Household.id == household_id)
        .values(erased_at=Household.erased_at)
        .execution_options(synchronize_session=False)
    )
    household = db.session.get(Household, household_id, populate_existing=True)
    if household is None:
        raise NotAHousehold(_l("There is no such household."))
    return household


def household_of(user: User) -> Household:
    if user.household_id is None:
        raise NotAHousehold(_l("%(email)s is not a household's account.", email=user.email))
    return locked_household(user.household_id)


def balance_cents(household: Household) -> int:
    """What the household owes (positive) or has as credit (negative)."""
    return account_balance(household_key(household.id))


def request_closure(user: User, password: str) -> Household:
    """The household asks to be erased; the coordinator is told. Asking twice changes
    nothing."""
    if not verify_password(user.password_hash, password):
        raise InvalidCredentials(_l("The password is incorrect."))
    household = household_of(user)
    if household.closure_requested_at is None:
        household.closure_requested_at = utcnow()
        queue_mail(
            current_app.config["HUB_EMAIL"],
            "closure_requested",
            None,
            number=pseudonym_number(household),
            link=external_url("privacy.requests"),
        )
    db.session.flush()
    return household


def closure_requests() -> list[tuple[Household, int]]:
    """Households waiting to be erased, oldest request first, with their balance."""
    households = list(
        db.session.scalars(
            select(Household)
            .where(Household.closure_requested_at.is_not(None), Household.erased_at.is_(None))
            .order_by(Household.closure_requested_at)
            .options(selectinload(Household.users))
        )
    )
    balances = household_balances([household.id for household in households])
    return [(household, balances.get(household.id, 0)) for household in households]


def recent_erasures(limit: int = 50) -> list[Household]:
    return list(
        db.session.scalars(
            select(Household)
            .where(Household.erased_at.is_not(None))
            .order_by(Household.erased_at.desc())
            .limit(limit)
        )
    )


def pseudonym_number(household: Household) -> str:
    return identity(household_key(household.id))[2]


def pseudonym(household: Household) -> str:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(_l("Erased household %(number)s", number=pseudonym_number(household)))


def erased_email(user: User) -> str:
    return f"erased-{user.id}@erased.invalid"  # .invalid: a domain no mail can reach


def check_erasable(household: Household, moment: datetime) -> None:
    if household.erased_at is not None:
        raise ErasureRefused(_l("This household has already been erased."))
    balance = balance_cents(household)
    if balance > 0:
        raise ErasureRefused(
            _l(
                "This household still owes %(amount)s: record its payment before erasing it.",
                amount=money(balance),
            )
        )
    if balance < 0:
        raise ErasureRefused(
            _l(
                "The hub still holds %(amount)s of credit for this household: "
                "give it back (Books, movements) before erasing it.",
                amount=money(-balance),
            )
        )
    contract = open_commitment(household.id, moment)
    if contract is not None:
        raise ErasureRefused(
            _l(
                "This household still has deliveries or an account to settle under the "
                "contract « %(name)s »: end its subscription first.",
                name=contract,
            )
        )
    waiting = db.session.scalar(
        select(Order.reference)
        .join(CyclePickup, CyclePickup.id == Order.pickup_id)
        .where(
            Order.household_id == household.id,
            Order.status == OrderStatus.PLACED.value,
            Order.collected_at.is_(None),
            Order.no_show_at.is_(None),
            CyclePickup.ends_at > moment,
        )
        .limit(1)
    )
    if waiting is not None:
        raise ErasureRefused(
            _l(
                "This household's order %(reference)s is still to be "
                "collected: erase it after the pickup, or once the order is "
                "cancelled.",
                reference=waiting,
            )
        )


def scrub(value: str, personal: list[str], replacement: str) -> str:
    for item in personal:
        value = re.sub(re.escape(item), replacement, value, flags=re.IGNORECASE)
    return value


def erase_messages(people: list[User], personal: list[str], replacement: str) -> None:
    """Messages to the household's people: unsent ones are dropped, sent ones keep their date
    and subject but lose their text. Any other message naming them is pseudonymised."""
    emails = {user.email: erased_email(user) for user in people}
    db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.recipient.in_(emails), OutboxMessage.sent_at.is_(None)
        )
    )
    mentions = [
        column.contains(item, autoescape=True)
        for item in personal
        for column in (OutboxMessage.subject, OutboxMessage.body)
    ]
    for message in db.session.scalars(
        select(OutboxMessage).where(or_(OutboxMessage.recipient.in_(emails), *mentions))
    ):
        message.subject = scrub(message.subject, personal, replacement)
        if message.recipient in emails:
            message.recipient = emails[message.recipient]
            message.body = ""
        else:
            message.body = scrub(message.body, personal, replacement)


def personal_values(household: Household, people: list[User]) -> list[str]:
    """What identifies them, longest first (so that a full name goes before a part of it);
    shorter than three characters, a value would match inside unrelated words."""
    values = {household.name, household.second_collector}
    values |= {value for user in people for value in (user.name, user.email, user.phone)}
    return sorted((value for value in values if value and len(value) >= 3), key=len, reverse=True)


def erase_household(household_id: int) -> Household:
    """Replace everything that identifies the household by its pseudonym; refused while it
    owes money, holds credit, or has an order to collect."""
    household = locked_household(household_id)
    moment = utcnow()
    check_erasable(household, moment)
    people = list(household.users)
    replacement = pseudonym(household)
    erase_messages(people, personal_values(household, people), replacement)
    emails = [user.email for user in people]
    user_ids = [user.id for user in people]
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email.in_(emails)))
    db.session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.key.in_([throttle_key("account", email) for email in emails])
        )
    )
    db.session.execute(delete(LoginSession).where(LoginSession.user_id.in_(user_ids)))
    db.session.execute(delete(SignupRequest).where(SignupRequest.email.in_(emails)))
    db.session.execute(delete(PasswordReset).where(PasswordReset.user_id.in_(user_ids)))
    db.session.execute(delete(CartItem).where(CartItem.household_id == household.id))
    for user in people:
        db.session.execute(
            update(Invitation)
            .where(Invitation.email == user.email)
            .values(email=erased_email(user))
        )
        user.name, user.email, user.phone = replacement, erased_email(user), None
        user.locale, user.last_login_at = None, None
        user.password_hash, user.active = UNUSABLE_PASSWORD, False
    household.name, household.second_collector = replacement, None
    household.address = household.postcode = household.town = None
    household.erased_at = moment  # its ledger account's name follows the household's
    db.session.flush()
    log.info("household %s erased", pseudonym_number(household))
    return household


def erase_by_email(email: str) -> Household:
    user = user_by_email(email)
    if user is None:
        raise NotAHousehold(_l("No account uses the email address %(email)s.", email=email))
    if user.household_id is None:
        raise NotAHousehold(_l("%(email)s is not a household's account.", email=user.email))
    return erase_household(user.household_id)
