"""factory-boy factories, one per model."""

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

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
from market.auth.passwords import hash_password
from market.auth.services import token_digest
from market.catalog.models import Category, Producer, Product
from market.cycles.models import (
    CatalogueVersion,
    CollectionPoint,
    CyclePickup,
    Offer,
    OrderCycle,
)
from market.extensions import db
from market.figures.models import (
    CycleFigures,
    HouseholdCategorySeason,
    HouseholdMonth,
    PlaceFigures,
)
from market.invoices import issuing
from market.invoices.models import Invoice, InvoiceSeries, MandateAcceptance, TaxProfile
from market.invoices.services import MANDATE_VERSION, mandate_sha256
from market.ledger import builders
from market.ledger.accounts import account_ids
from market.ledger.closures import close_period
from market.ledger.models import (
    LedgerAccount,
    LedgerChainHead,
    LedgerClosure,
    LedgerEntry,
    LedgerTransaction,
    LedgerUnchained,
    LedgerVerification,
)
from market.ledger.posting import lock_head
from market.mail.models import OutboxAttachment, OutboxMessage
from market.orders.models import CartItem, Order, OrderLine
from market.payments.models import Payment, StripeEvent
from market.payouts.models import PayoutBatch, PayoutLine
from market.subscriptions.models import (
    Absence,
    BasketShare,
    Contract,
    ContractPoint,
    Delivery,
    Instalment,
    Subscription,
)
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
    status = "approved"
    siret = "73282932000074"
    address = "12 chemin des Barthes"
    postcode = "40440"
    town = "Ondres"
    description = "Maraîchage sur sol vivant."
    labels = factory.LazyFunction(lambda: ["ab"])


class CategoryFactory(BaseFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Catégorie {n}")


class ProductFactory(BaseFactory):
    class Meta:
        model = Product

    producer = factory.SubFactory(ProducerFactory)
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Produit {n}")
    unit = "piece"
    price_cents = 350
    vat_basis_points = 550
    labels = factory.LazyFunction(list)


class ProducerUserFactory(UserFactory):
    role = "producer"
    producer = factory.SubFactory(ProducerFactory)


class CollectionPointFactory(BaseFactory):
    class Meta:
        model = CollectionPoint

    name = factory.Sequence(lambda n: f"Point de retrait {n}")
    address = "1 rue de la Mairie"
    postcode = "40220"
    town = "Tarnos"
    capacity = None


class OrderCycleFactory(BaseFactory):
    """A draft cycle opening tomorrow for four days, with one pickup a few days later."""

    class Meta:
        model = OrderCycle

    name = factory.Sequence(lambda n: f"Semaine {n}")
    opens_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=1))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + timedelta(days=4))
    pickups = factory.RelatedFactoryList(
        "tests.factories.CyclePickupFactory", factory_related_name="cycle", size=1
    )


class CyclePickupFactory(BaseFactory):
    class Meta:
        model = CyclePickup

    cycle = factory.SubFactory(OrderCycleFactory, pickups=[])
    collection_point = factory.SubFactory(CollectionPointFactory)
    starts_at = factory.LazyAttribute(lambda o: o.cycle.closes_at + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2, minutes=30))


class OfferFactory(BaseFactory):
    class Meta:
        model = Offer

    cycle = factory.SubFactory(OrderCycleFactory)
    product = factory.SubFactory(ProductFactory)
    price_cents = factory.SelfAttribute("product.price_cents")
    cap = None
    ordered_quantity = 0


class CatalogueVersionFactory(BaseFactory):
    """The single counter row (written by the database's triggers at the first change)."""

    class Meta:
        model = CatalogueVersion
        sqlalchemy_get_or_create = ("id",)

    id = 1
    version = 1


class CartItemFactory(BaseFactory):
    class Meta:
        model = CartItem

    household_id = factory.LazyFunction(lambda: HouseholdFactory().id)
    offer = factory.SubFactory(OfferFactory)
    quantity = 1


class OrderFactory(BaseFactory):
    """An order of a household in a cycle, numbered; lines are added by OrderLineFactory."""

    class Meta:
        model = Order

    cycle = factory.SubFactory(OrderCycleFactory)
    household_id = factory.LazyFunction(lambda: HouseholdFactory().id)
    pickup_id = factory.LazyAttribute(lambda o: o.cycle.pickups[0].id)
    number = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(lambda o: f"S00-{o.number:04d}")


class OrderLineFactory(BaseFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    offer = factory.SubFactory(OfferFactory, cycle=factory.SelfAttribute("..order.cycle"))
    product_id = factory.SelfAttribute("offer.product_id")
    producer_id = factory.SelfAttribute("offer.product.producer_id")
    product_name = factory.SelfAttribute("offer.product.name")
    unit = "piece"
    quantity = 1
    unit_price_cents = factory.SelfAttribute("offer.price_cents")
    vat_basis_points = 550


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


class LoginSessionFactory(BaseFactory):
    """A log-in of `user`; Flask-Login keeps "<user id>:<secret>" for it."""

    class Meta:
        model = LoginSession

    class Params:
        secret = factory.Sequence(lambda n: f"session-secret-{n}")

    user = factory.SubFactory(HouseholdUserFactory)
    token_hash = factory.LazyAttribute(lambda o: token_digest(o.secret))
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=60))


class LoginThrottleFactory(BaseFactory):
    class Meta:
        model = LoginThrottle

    key = factory.Sequence(lambda n: f"{n:064x}")
    window_started_at = factory.LazyFunction(utcnow)
    attempts = 1


class SignupRequestFactory(BaseFactory):
    class Meta:
        model = SignupRequest

    class Params:
        token = factory.Sequence(lambda n: f"signup-token-{n}")

    email = factory.Sequence(lambda n: f"newcomer{n}@example.org")
    kind = "household"
    token_hash = factory.LazyAttribute(lambda o: token_digest(o.token))
    payload = factory.LazyFunction(
        lambda: {
            "name": "Famille Etcheverry",
            "phone": "06 12 34 56 78",
            "second_collector": None,
            "locale": "fr",
            "password_hash": hash_password(PASSWORD),
        }
    )
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(hours=48))


class OutboxMessageFactory(BaseFactory):
    class Meta:
        model = OutboxMessage

    recipient = factory.Sequence(lambda n: f"person{n}@example.org")
    subject = "Bonjour"
    body = "Un message.\n"


class OutboxAttachmentFactory(BaseFactory):
    class Meta:
        model = OutboxAttachment

    message = factory.SubFactory(OutboxMessageFactory)
    filename = "liste.csv"
    content_type = "text/csv"
    content = b"\xef\xbb\xbfProduit;Total\r\n"


class PayoutBatchFactory(BaseFactory):
    """A batch's record only: the payouts' postings go through market.payouts.services."""

    class Meta:
        model = PayoutBatch

    idempotency_key = factory.Sequence(lambda n: f"payout-batch-{n:08d}")
    label = factory.Sequence(lambda n: f"Semaine {n}")
    execution_date = factory.LazyFunction(lambda: utcnow().date())


class PayoutLineFactory(BaseFactory):
    class Meta:
        model = PayoutLine

    batch = factory.SubFactory(PayoutBatchFactory)
    producer_id = factory.LazyFunction(lambda: ProducerFactory().id)
    cycle_id = factory.LazyFunction(lambda: OrderCycleFactory().id)
    amount_cents = 2700


# Ledger records are append-only and chained: the factories go through the ledger's services
# rather than inserting rows, so what they make is always a valid journal.


class LedgerAccountFactory(BaseFactory):
    class Meta:
        model = LedgerAccount

    key = factory.LazyFunction(lambda: f"household:{HouseholdFactory().id}")

    @classmethod
    def _create(cls, model_class, key):
        return db.session.get(LedgerAccount, account_ids([key])[key])


class LedgerTransactionFactory(BaseFactory):
    """A credit top-up by cash for a new household."""

    class Meta:
        model = LedgerTransaction

    household = factory.SubFactory(HouseholdFactory)
    amount = 2000
    idempotency_key = factory.Sequence(lambda n: f"factory-topup-{n}")

    @classmethod
    def _create(cls, model_class, household, amount, idempotency_key):
        return builders.post_credit_topup(household.id, amount, "cash", "factory", idempotency_key)


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


class LedgerVerificationFactory(BaseFactory):
    class Meta:
        model = LedgerVerification

    checked_at = factory.LazyFunction(utcnow)
    ok = True
    head_seq = 0


class LedgerUnchainedFactory(BaseFactory):
    """The canonical text a PostgreSQL posting keeps until its commit chains it, on its own."""

    class Meta:
        model = LedgerUnchained

    id = factory.Sequence(lambda n: 1_000_000 + n)
    before_time = '{"entries":[],"occurred_at":"'
    before_prev_hash = '","prev_hash":'
    before_seq = ',"seq":'
    dated = False


class LedgerClosureFactory(BaseFactory):
    """The closure of the day before yesterday (hub time)."""

    class Meta:
        model = LedgerClosure

    period = "day"
    day = factory.LazyFunction(lambda: (utcnow() - timedelta(days=2)).date())

    @classmethod
    def _create(cls, model_class, period, day):
        return close_period(period, day)


class PaymentFactory(BaseFactory):
    """A Checkout Session of an order, waiting for the household."""

    class Meta:
        model = Payment

    order = factory.SubFactory(OrderFactory)
    household_id = factory.SelfAttribute("order.household_id")
    provider = "stripe"
    method = "stripe"
    amount_cents = 1700
    order_version = 1
    stripe_session_id = factory.Sequence(lambda n: f"cs_test_factory{n:04d}")


class StripeEventFactory(BaseFactory):
    class Meta:
        model = StripeEvent

    id = factory.Sequence(lambda n: f"evt_test_factory{n:04d}")
    type = "checkout.session.completed"


class TaxProfileFactory(BaseFactory):
    """A complete profile, checked by the coordinator (INSEE's example SIRET)."""

    class Meta:
        model = TaxProfile

    producer = factory.SubFactory(ProducerFactory)
    legal_name = factory.SelfAttribute("producer.name")
    address = "12 chemin des Barthes"
    postcode = "40440"
    town = "Ondres"
    siret = "73282932000074"
    vat_number = "FR44732829320"
    vat_regime = "normal"
    checked_at = factory.LazyFunction(utcnow)


class MandateAcceptanceFactory(BaseFactory):
    class Meta:
        model = MandateAcceptance

    producer_id = factory.LazyFunction(lambda: ProducerFactory().id)
    version = MANDATE_VERSION
    text_sha256 = factory.LazyFunction(mandate_sha256)
    accepted_at = factory.LazyFunction(utcnow)


class InvoiceSeriesFactory(BaseFactory):
    class Meta:
        model = InvoiceSeries

    key = factory.Sequence(lambda n: f"S{n:05d}")
    last_number = 0


class InvoiceFactory(BaseFactory):
    """An invoice numbered and hashed by the issuing code: the database takes no other."""

    class Meta:
        model = Invoice

    kind = "sale"
    series = factory.Sequence(lambda n: f"T{n:05d}")
    issued_at = factory.LazyFunction(utcnow)
    producer_id = factory.LazyFunction(lambda: ProducerFactory().id)
    vat_regime = "normal"
    content = factory.LazyFunction(
        lambda: {
            "seller": {"name": "Ferme Lafitte"},
            "buyer": {"name": "Zoé Martin"},
            "mentions": [],
        }
    )
    ledger_seqs = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, *args, lines=None, **kwargs):
        lines = lines or [
            {
                "description": "Carottes",
                "quantity": "2",
                "unit": "bunch",
                "unit_price_excl_vat": "2.3697",
                "vat_rate": 550,
                "excl": 474,
                "vat": 26,
                "incl": 500,
                "commission_excl": 42,
                "commission_vat": 8,
            }
        ]
        return issuing.record(model_class(**kwargs), lines)


class ContractFactory(BaseFactory):
    """A weekly vegetable basket from next week for ten weeks, collected at one point."""

    class Meta:
        model = Contract

    product = factory.SubFactory(ProductFactory, name="Panier de légumes", price_cents=1500)
    producer_id = factory.SelfAttribute("product.producer_id")
    name = "Panier de légumes de saison"
    quantity = 1
    unit_price_cents = 1500
    every_cycles = 1
    first_delivery = factory.LazyFunction(lambda: utcnow().date() + timedelta(days=7))
    last_delivery = factory.LazyAttribute(lambda o: o.first_delivery + timedelta(weeks=9))
    cap = None
    subscribers = 0
    absences_allowed = 2
    points = factory.RelatedFactoryList(
        "tests.factories.ContractPointFactory", factory_related_name="contract", size=1
    )


class ContractPointFactory(BaseFactory):
    class Meta:
        model = ContractPoint

    contract = factory.SubFactory(ContractFactory, points=[])
    collection_point = factory.SubFactory(CollectionPointFactory)


class SubscriptionFactory(BaseFactory):
    class Meta:
        model = Subscription

    contract = factory.SubFactory(ContractFactory)
    household_id = factory.LazyFunction(lambda: HouseholdFactory().id)
    collection_point_id = factory.LazyAttribute(lambda o: o.contract.points[0].collection_point_id)
    starts_on = factory.LazyFunction(lambda: utcnow().date())


class AbsenceFactory(BaseFactory):
    class Meta:
        model = Absence

    subscription = factory.SubFactory(SubscriptionFactory)
    day = factory.LazyAttribute(lambda o: o.subscription.contract.first_delivery)


class DeliveryFactory(BaseFactory):
    class Meta:
        model = Delivery

    subscription = factory.SubFactory(SubscriptionFactory)
    cycle_id = factory.LazyFunction(lambda: OrderCycleFactory().id)
    day = factory.LazyAttribute(lambda o: o.subscription.contract.first_delivery)
    status = "absent"


class InstalmentFactory(BaseFactory):
    class Meta:
        model = Instalment

    subscription = factory.SubFactory(SubscriptionFactory)
    number = factory.Sequence(lambda n: n + 1)
    due_on = factory.LazyFunction(lambda: utcnow().date())
    amount_cents = 6000


class BasketShareFactory(BaseFactory):
    class Meta:
        model = BasketShare

    subscription = factory.SubFactory(SubscriptionFactory)
    household_id = factory.LazyFunction(lambda: HouseholdFactory().id)


class CycleFiguresFactory(BaseFactory):
    class Meta:
        model = CycleFigures

    cycle_id = factory.LazyFunction(lambda: OrderCycleFactory().id)
    month = "2026-11"
    season = "2026"
    producers_share_cents = 9000
    commission_cents = 1000


class PlaceFiguresFactory(BaseFactory):
    class Meta:
        model = PlaceFigures

    cycle_id = factory.LazyFunction(lambda: OrderCycleFactory().id)
    producer_id = factory.LazyFunction(lambda: ProducerFactory().id)
    collection_point_id = factory.LazyFunction(lambda: CollectionPointFactory().id)
    amount_cents = 2500


class HouseholdMonthFactory(BaseFactory):
    class Meta:
        model = HouseholdMonth

    month = "2026-11"
    household_id = factory.LazyFunction(lambda: HouseholdFactory().id)
    season = "2026"
    lines = 3
    amount_cents = 2500


class HouseholdCategorySeasonFactory(BaseFactory):
    class Meta:
        model = HouseholdCategorySeason

    season = "2026"
    household_id = factory.LazyFunction(lambda: HouseholdFactory().id)
    category_id = factory.LazyFunction(lambda: CategoryFactory().id)
    amount_cents = 2500
