"""factory-boy factories, one per model."""

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from market.auth.models import Household, Invitation, LoginAttempt, PasswordReset, User
from market.auth.passwords import hash_password
from market.auth.services import token_digest
from market.catalog.models import Producer
from market.extensions import db
from market.ledger import builders
from market.ledger.accounts import accounts_for
from market.ledger.closures import close_period
from market.ledger.models import (
    LedgerAccount,
    LedgerChainHead,
    LedgerClosure,
    LedgerEntry,
    LedgerTransaction,
)
from market.ledger.posting import lock_head
from market.mail.models import OutboxMessage
from market.timeutil import utcnow

PASSWORD = "correct-horse-battery"


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class HouseholdFactory(BaseFactory):
    class Meta:
        model = Household

    name = factory.Faker("name", locale="fr_FR")
    second_collector = None


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name", locale="fr_FR")
    phone = "06 12 34 56 78"
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))
    role = "household"
    locale = None


class HouseholdUserFactory(UserFactory):
    role = "household"
    household = factory.SubFactory(HouseholdFactory, name=factory.SelfAttribute("..name"))


class ProducerFactory(BaseFactory):
    class Meta:
        model = Producer

    name = factory.Sequence(lambda n: f"Ferme n°{n}")


class ProducerUserFactory(UserFactory):
    role = "producer"
    producer = factory.SubFactory(ProducerFactory)


class PasswordResetFactory(BaseFactory):
    class Meta:
        model = PasswordReset

    class Params:
        token = factory.Sequence(lambda n: f"reset-token-{n}")

    user = factory.SubFactory(HouseholdUserFactory)
    token_hash = factory.LazyAttribute(lambda o: token_digest(o.token))
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(hours=2))


class InvitationFactory(BaseFactory):
    class Meta:
        model = Invitation

    class Params:
        token = factory.Sequence(lambda n: f"invitation-token-{n}")

    email = factory.Sequence(lambda n: f"invited{n}@example.org")
    role = "producer"
    token_hash = factory.LazyAttribute(lambda o: token_digest(o.token))
    invited_by = factory.SubFactory(UserFactory, role="coordinator")
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=14))


class LoginAttemptFactory(BaseFactory):
    class Meta:
        model = LoginAttempt

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    address = "192.0.2.10"
    succeeded = False


class OutboxMessageFactory(BaseFactory):
    class Meta:
        model = OutboxMessage

    recipient = factory.Sequence(lambda n: f"person{n}@example.org")
    subject = "Bonjour"
    body = "Un message.\n"


# Ledger records are append-only and chained: the factories go through the ledger's services
# rather than inserting rows, so what they make is always a valid journal.


class LedgerAccountFactory(BaseFactory):
    class Meta:
        model = LedgerAccount

    key = factory.LazyFunction(lambda: f"household:{HouseholdFactory().id}")

    @classmethod
    def _create(cls, model_class, key):
        return accounts_for([key])[key]


class LedgerTransactionFactory(BaseFactory):
    """A credit top-up by cash for a new household."""

    class Meta:
        model = LedgerTransaction

    household = factory.SubFactory(HouseholdFactory)
    amount = 2000
    idempotency_key = factory.Sequence(lambda n: f"factory-topup-{n}")

    @classmethod
    def _create(cls, model_class, household, amount, idempotency_key):
        return builders.post_credit_topup(household.id, amount, "cash", "factory",
                                          idempotency_key)


class LedgerEntryFactory(BaseFactory):
    """The first entry of a new transaction (entries only exist inside one)."""

    class Meta:
        model = LedgerEntry

    transaction = factory.SubFactory(LedgerTransactionFactory)

    @classmethod
    def _create(cls, model_class, transaction):
        return transaction.entries[0]


class LedgerChainHeadFactory(BaseFactory):
    """The single chain-head row (made by the migration; recreated if the table was emptied)."""

    class Meta:
        model = LedgerChainHead

    @classmethod
    def _create(cls, model_class):
        lock_head()
        return db.session.get(LedgerChainHead, 1)


class LedgerClosureFactory(BaseFactory):
    """The closure of the day before yesterday (hub time)."""

    class Meta:
        model = LedgerClosure

    period = "day"
    day = factory.LazyFunction(lambda: (utcnow() - timedelta(days=2)).date())

    @classmethod
    def _create(cls, model_class, period, day):
        return close_period(period, day)
