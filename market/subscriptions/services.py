"""Contracts, subscriptions, absences, and each cycle's deliveries. They flush, never commit.

Everything that changes one household's subscriptions or its order takes the household's row
lock first (as ordering does, market/orders/services.py), then reads again: a double tap, a
subscription and the generation job, or two generation runs queue, and the second sees what
the first did. The cap on subscribers moves by one conditional UPDATE, so it holds under
concurrent subscriptions.

A delivery becomes a line of the household's one order in the cycle through the order
services' own steps (the collection point's place, the offer's stock, the order's version and
its ledger posting), so stock, caps and the books see it like any line. Each delivery is
recorded once per subscription and cycle (`Delivery`): replaying generation changes nothing,
and a delivery that cannot be made is recorded as a shortage and mailed, never dropped.

A prepaid contract (the season at once, or by monthly instalments) has its own ledger account
per subscription (`contract:<id>`, 4191 advances): instalments are paid into it, each delivery
pays its line of the order from it (so the order owes nothing for it at pickup), and when the
season ends, early or not, what is left on it is settled onto the household's account by one
posting. An absence or a shortage lowers what the instalments still due ask.
"""

import calendar
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from market.auth.models import Household, User
from market.catalog.models import Producer, ProducerStatus, Product
from market.cycles.models import CollectionPoint, CyclePickup, Offer, OrderCycle
from market.extensions import db
from market.ledger.accounts import contract_key
from market.ledger.builders import (
    post_contract_applied,
    post_contract_settled,
    post_instalment_received,
)
from market.ledger.statements import account_balance
from market.mail.services import queue_mail
from market.orders import stock
from market.orders.notify import household_users
from market.orders.services import (
    ledger_lines,
    line_from,
    locked_household_order,
    new_order,
    post_money,
)
from market.payments.services import PICKUP_METHODS
from market.rowlock import lock_row, rows_changed
from market.subscriptions.errors import (
    AlreadySubscribed,
    ContractFull,
    NotYourContract,
    SubscriptionRefused,
)
from market.subscriptions.models import (
    MOST_INSTALMENTS,
    PREPAID_TERMS,
    Absence,
    BasketShare,
    Contract,
    ContractPoint,
    Delivery,
    DeliveryStatus,
    Instalment,
    InstalmentStatus,
    PaymentTerms,
    ShareStatus,
    Subscription,
    SubscriptionStatus,
)
from market.timeutil import to_hub_time
from market.urls import external_url

MOST_PER_DELIVERY = 1000


def create_contract(
    producer: Producer,
    product: Product,
    *,
    name: str,
    quantity: int,
    unit_price_cents: int,
    every_cycles: int,
    first_delivery: date,
    last_delivery: date,
    point_ids: Iterable[int],
    cap: int | None = None,
    absences_allowed: int = 0,
    payment_terms: str = PaymentTerms.PER_DELIVERY.value,
    instalments: int = 1,
) -> Contract:
    """A producer's seasonal contract for one of its products."""
    if product.producer_id != producer.id:
        raise NotYourContract(_l("This product belongs to another producer."))
    name = (name or "").strip()
    if not name:
        raise SubscriptionRefused(_l("Give the contract a name."))
    if not 0 < quantity <= MOST_PER_DELIVERY:
        raise SubscriptionRefused(_l("A delivery holds between 1 and 1000 units."))
    if unit_price_cents < 0:
        raise SubscriptionRefused(_l("A price cannot be negative."))
    if every_cycles not in (1, 2):
        raise SubscriptionRefused(_l("A contract delivers every cycle or every other cycle."))
    if last_delivery < first_delivery:
        raise SubscriptionRefused(_l("The last delivery cannot come before the first."))
    if cap is not None and cap <= 0:
        raise SubscriptionRefused(_l("A cap on subscribers must be at least 1."))
    if absences_allowed < 0:
        raise SubscriptionRefused(_l("The number of absences allowed cannot be negative."))
    if payment_terms not in {terms.value for terms in PaymentTerms}:
        raise SubscriptionRefused(_l("Choose how the contract is paid."))
    if payment_terms != PaymentTerms.PER_DELIVERY and unit_price_cents == 0:
        raise SubscriptionRefused(_l("A contract paid in advance needs a price."))
    if payment_terms != PaymentTerms.INSTALMENTS:
        instalments = 1
    elif not 2 <= instalments <= MOST_INSTALMENTS:
        raise SubscriptionRefused(
            _l("A season is paid in 2 to %(most)d instalments.", most=MOST_INSTALMENTS)
        )
    wanted = sorted(set(point_ids))
    points = list(
        db.session.scalars(
            select(CollectionPoint.id).where(CollectionPoint.id.in_(wanted), CollectionPoint.active)
        )
    )
    if not wanted or len(points) != len(wanted):
        raise SubscriptionRefused(_l("Choose at least one active collection point."))
    contract = Contract(
        producer_id=producer.id,
        product_id=product.id,
        name=name,
        quantity=quantity,
        unit_price_cents=unit_price_cents,
        every_cycles=every_cycles,
        first_delivery=first_delivery,
        last_delivery=last_delivery,
        cap=cap,
        absences_allowed=absences_allowed,
        payment_terms=PaymentTerms(payment_terms),
        instalments=instalments,
        subscribers=0,
        points=[ContractPoint(collection_point_id=point_id) for point_id in wanted],
    )
    db.session.add(contract)
    db.session.flush()
    return contract


def hub_today(now: datetime) -> date:
    return to_hub_time(now).date()


def contracts_open(now: datetime) -> list[Contract]:
    """The contracts a household may still subscribe to, soonest first."""
    query = (
        select(Contract)
        .options(
            joinedload(Contract.producer),
            joinedload(Contract.product),
            selectinload(Contract.points).joinedload(ContractPoint.collection_point),
        )
        .where(Contract.last_delivery >= hub_today(now))
        .order_by(Contract.first_delivery, Contract.id)
    )
    return list(db.session.scalars(query))


def count_contracts_open(now: datetime, producer_id: int | None = None) -> int:
    """How many contracts are still open to subscription (one producer's, or all)."""
    values = {"today": hub_today(now), "producer_id": producer_id}
    return db.session.scalar(contracts_open_query(producer_id is not None), values) or 0


@cache
def contracts_open_query(of_one_producer: bool) -> Select:
    """Built once: every shop page asks it."""
    query = select(func.count(Contract.id)).where(Contract.last_delivery >= bindparam("today"))
    if of_one_producer:
        query = query.where(Contract.producer_id == bindparam("producer_id"))
    return query


def products_for_contracts() -> list[Product]:
    """The approved producers' active products, for the coordinator's contract form."""
    query = (
        select(Product)
        .join(Producer, Producer.id == Product.producer_id)
        .options(joinedload(Product.producer))
        .where(Product.active, Producer.status == ProducerStatus.APPROVED.value)
        .order_by(Producer.name, Product.name, Product.id)
    )
    return list(db.session.scalars(query))


def all_contracts() -> list[Contract]:
    query = (
        select(Contract)
        .options(joinedload(Contract.producer), joinedload(Contract.product))
        .order_by(Contract.last_delivery.desc(), Contract.id)
    )
    return list(db.session.scalars(query))


def producer_contracts(producer_id: int) -> list[Contract]:
    query = (
        select(Contract)
        .options(joinedload(Contract.product))
        .where(Contract.producer_id == producer_id)
        .order_by(Contract.last_delivery.desc(), Contract.id)
    )
    return list(db.session.scalars(query))


def household_subscriptions(household_id: int) -> list[Subscription]:
    query = (
        select(Subscription)
        .options(
            joinedload(Subscription.contract).joinedload(Contract.producer),
            joinedload(Subscription.collection_point),
            selectinload(Subscription.absences),
            selectinload(Subscription.deliveries),
            selectinload(Subscription.shares).joinedload(BasketShare.household),
            selectinload(Subscription.instalments),
        )
        .where(Subscription.household_id == household_id)
        .order_by(Subscription.id)
    )
    return list(db.session.scalars(query))


def prepaid_subscriptions(household_id: int) -> list[Subscription]:
    """The household's subscriptions paid for the season, with what their money shows."""
    query = (
        select(Subscription)
        .join(Contract, Contract.id == Subscription.contract_id)
        .options(
            joinedload(Subscription.contract).joinedload(Contract.producer),
            selectinload(Subscription.deliveries),
            selectinload(Subscription.instalments),
        )
        .where(
            Subscription.household_id == household_id,
            Contract.payment_terms.in_(PREPAID_TERMS),
        )
        .order_by(Subscription.id)
    )
    return list(db.session.scalars(query))


def open_commitment(household_id: int, now: datetime) -> str | None:
    """The name of a contract the household still takes deliveries of (its own or a shared
    basket) or whose prepaid account is not settled yet; None when it has none."""
    today = hub_today(now)
    shared = select(BasketShare.subscription_id).where(
        BasketShare.household_id == household_id,
        BasketShare.status == ShareStatus.ACCEPTED.value,
    )
    query = (
        select(Subscription)
        .options(joinedload(Subscription.contract))
        .where(or_(Subscription.household_id == household_id, Subscription.id.in_(shared)))
        .order_by(Subscription.id)
    )
    for subscription in db.session.scalars(query):
        to_come = subscription.is_active and subscription.calendar[-1:] >= [today]
        unsettled = subscription.contract.is_prepaid and subscription.settled_at is None
        if to_come or (unsettled and subscription.household_id == household_id):
            return subscription.contract.name
    return None


def household_shares(household_id: int) -> list[BasketShare]:
    """The baskets another household invited this one to share, or shares with it."""
    query = (
        select(BasketShare)
        .options(
            joinedload(BasketShare.subscription)
            .joinedload(Subscription.contract)
            .joinedload(Contract.producer),
            joinedload(BasketShare.subscription).joinedload(Subscription.collection_point),
            joinedload(BasketShare.subscription).selectinload(Subscription.shares),
            joinedload(BasketShare.subscription).joinedload(Subscription.household),
            joinedload(BasketShare.subscription).selectinload(Subscription.absences),
            joinedload(BasketShare.subscription).selectinload(Subscription.deliveries),
        )
        .where(
            BasketShare.household_id == household_id,
            BasketShare.status != ShareStatus.DECLINED.value,
        )
        .order_by(BasketShare.id)
    )
    return list(db.session.scalars(query).unique())


def sharing_household(contract_id: int, household_id: int) -> bool:
    """Whether the household shares (or is invited to share) a basket of this contract."""
    query = (
        select(BasketShare.id)
        .join(Subscription, Subscription.id == BasketShare.subscription_id)
        .where(
            Subscription.contract_id == contract_id,
            BasketShare.household_id == household_id,
            BasketShare.status != ShareStatus.DECLINED.value,
        )
        .limit(1)
    )
    return db.session.scalar(query) is not None


def lock_households(*household_ids: int) -> None:
    """The households' rows, locked in one order (the lowest id first) so that two requests
    touching the same two households queue instead of deadlocking."""
    for household_id in sorted(set(household_ids)):
        lock_row(Household, household_id)


def invite_share(subscription: Subscription, email: str, now: datetime) -> BasketShare:
    """Invite the household of `email` to share the basket, one delivery each in turn once
    it accepts."""
    email = (email or "").strip()
    if not email:
        raise SubscriptionRefused(_l("Enter the email of the household to share with."))
    invited = db.session.scalar(
        select(User.household_id).where(
            func.lower(User.email) == email.lower(), User.household_id.is_not(None), User.active
        )
    )
    if invited is None:
        raise SubscriptionRefused(_l("No household of the hub has an account with this email."))
    lock_households(subscription.household_id, invited)
    subscription = locked_subscription(subscription)
    if invited == subscription.household_id:
        raise SubscriptionRefused(_l("You cannot share a basket with your own household."))
    if not subscription.is_active:
        raise SubscriptionRefused(_l("This subscription has ended."))
    if subscription.share is not None:
        raise AlreadySubscribed(
            _l("This basket is already shared, or an invitation is waiting for an answer.")
        )
    own = db.session.scalar(
        select(Subscription.id).where(
            Subscription.contract_id == subscription.contract_id,
            Subscription.household_id == invited,
        )
    )
    if own is not None or sharing_household(subscription.contract_id, invited):
        raise AlreadySubscribed(
            _l("That household already has a basket of this contract, its own or shared.")
        )
    share = BasketShare(
        subscription=subscription,
        household_id=invited,
        status=ShareStatus.INVITED,
        invited_at=now,
    )
    db.session.add(share)
    db.session.flush()
    return share


def answer_share(share: BasketShare, accept: bool, now: datetime) -> BasketShare:
    """The invited household accepts (deliveries alternate from the next one not yet made)
    or declines (the subscriber may invite another)."""
    lock_households(share.subscription.household_id, share.household_id)
    subscription = locked_subscription(share.subscription)
    db.session.refresh(share)
    if share.status != ShareStatus.INVITED:
        raise AlreadySubscribed(_l("This invitation has already been answered."))
    if not subscription.is_active:
        raise SubscriptionRefused(_l("This subscription has ended."))
    share.answered_at = now
    if not accept:
        share.status = ShareStatus.DECLINED
        db.session.flush()
        return share
    if db.session.scalar(
        select(Subscription.id).where(
            Subscription.contract_id == subscription.contract_id,
            Subscription.household_id == share.household_id,
        )
    ):
        raise AlreadySubscribed(_l("You already have your own basket of this contract."))
    made = {delivery.day for delivery in subscription.deliveries}
    today = hub_today(now)
    left = [day for day in subscription.calendar if day >= today and day not in made]
    if not left:
        raise SubscriptionRefused(_l("No delivery of this basket is left to share."))
    share.status = ShareStatus.ACCEPTED
    share.starts_on = left[0]
    db.session.flush()
    return share


def take_subscriber(contract_id: int) -> bool:
    """One more subscriber; False when the contract is full (one conditional UPDATE)."""
    statement = (
        update(Contract)
        .where(
            Contract.id == contract_id,
            or_(Contract.cap.is_(None), Contract.subscribers < Contract.cap),
        )
        .values(subscribers=Contract.subscribers + 1)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(statement) == 1


def free_subscriber(contract_id: int) -> None:
    statement = (
        update(Contract)
        .where(Contract.id == contract_id)
        .values(subscribers=Contract.subscribers - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(statement)


def subscribe(household_id: int, contract: Contract, point_id, now: datetime) -> Subscription:
    """Subscribe the household, collecting at `point_id`, from today to the season's end;
    the deliveries of cycles already published are generated at once."""
    lock_row(Household, household_id)
    existing = db.session.scalar(
        select(Subscription.id).where(
            Subscription.contract_id == contract.id, Subscription.household_id == household_id
        )
    )
    if existing is not None:
        raise AlreadySubscribed(_l("You are already subscribed to this contract."))
    if sharing_household(contract.id, household_id):
        raise AlreadySubscribed(
            _l("You share a basket of this contract: answer or leave that invitation first.")
        )
    today = hub_today(now)
    if not [day for day in contract.deliveries if day >= today]:
        raise SubscriptionRefused(
            _l("The season of « %(name)s » is over: no delivery is left.", name=contract.name)
        )
    if not str(point_id).isdigit() or not contract.serves(int(point_id)):
        raise SubscriptionRefused(_l("This contract is not delivered at that collection point."))
    if not take_subscriber(contract.id):
        raise ContractFull(
            _l("« %(name)s » is full: no place is left this season.", name=contract.name)
        )
    subscription = Subscription(
        contract_id=contract.id,
        household_id=household_id,
        collection_point_id=int(point_id),
        status=SubscriptionStatus.ACTIVE,
        subscribed_at=now,
        starts_on=today,
    )
    db.session.add(subscription)
    db.session.flush()
    if contract.is_prepaid:
        schedule_instalments(subscription, today)
    for cycle in cycles_to_generate(now):
        generate_one(subscription, cycle, now)
    return subscription


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def split_evenly(total: int, parts: int) -> list[int]:
    """`total` cents in `parts` amounts as equal as cents allow, the remainder first."""
    share, remainder = divmod(total, parts)
    return [share + (1 if index < remainder else 0) for index in range(parts)]


def schedule_instalments(subscription: Subscription, today: date) -> None:
    """The season's price in the contract's number of instalments, one a month from today."""
    contract = subscription.contract
    amounts = split_evenly(subscription.total_cents, contract.instalments)
    for number, amount in enumerate(amounts, start=1):
        db.session.add(
            Instalment(
                subscription_id=subscription.id,
                number=number,
                due_on=add_months(today, number - 1),
                amount_cents=amount,
                # A season worth less than a cent per instalment leaves some with nothing.
                status=InstalmentStatus.DUE if amount else InstalmentStatus.CANCELLED,
            )
        )
    db.session.flush()


def reschedule(subscription: Subscription) -> None:
    """After an absence or a shortage: the instalments still due ask only what the season now
    comes to beyond what was paid (never less than nothing; the settlement gives back the
    rest)."""
    if not subscription.contract.is_prepaid:
        return
    due = [i for i in subscription.instalments if i.status == InstalmentStatus.DUE]
    if not due:
        return
    left = max(0, subscription.expected_cents - subscription.paid_cents)
    for instalment, amount in zip(due, split_evenly(left, len(due)), strict=True):
        instalment.amount_cents = amount
        if amount == 0:
            instalment.status = InstalmentStatus.CANCELLED
    db.session.flush()


def record_instalment(
    instalment: Instalment, method: str, recorded_by: User, now: datetime
) -> Instalment:
    """An instalment paid (a cheque, a transfer…), posted to the subscription's account once:
    recorded twice, the second is refused."""
    if method not in PICKUP_METHODS:
        raise SubscriptionRefused(_l("Choose how the household paid."))
    subscription = locked_subscription(instalment.subscription)
    # Read again with the subscription, under its household's lock.
    instalment = next(i for i in subscription.instalments if i.id == instalment.id)
    if instalment.status == InstalmentStatus.PAID:
        raise AlreadySubscribed(_l("This instalment is already recorded as paid."))
    if instalment.status != InstalmentStatus.DUE or subscription.settled_at is not None:
        raise SubscriptionRefused(
            _l("This instalment is no longer due: the contract is settled on the statement.")
        )
    post_instalment_received(
        subscription.id,
        instalment.amount_cents,
        method,
        instalment_reference(instalment),
        idempotency_key=f"instalment:{instalment.id}",
    )
    instalment.status = InstalmentStatus.PAID
    instalment.paid_at = now
    instalment.method = method
    instalment.recorded_by_id = recorded_by.id
    db.session.flush()
    return instalment


def instalment_reference(instalment: Instalment) -> str:
    """S00012-2: the subscription's account and the instalment's number."""
    return f"S{instalment.subscription_id:05d}-{instalment.number}"


def contract_balance(subscription: Subscription) -> int:
    """The subscription's account: paid for deliveries to come (negative), or delivered
    beyond what was paid (positive)."""
    return account_balance(contract_key(subscription.id))


def settle(subscription: Subscription, now: datetime) -> int:
    """Bring a prepaid subscription's account to zero onto its household's, once: the
    instalments still due are cancelled, and what was paid beyond the deliveries made becomes
    the household's credit (or what was delivered beyond what was paid, its debt). Posted,
    never edited; returns the amount moved (positive: owed by the household)."""
    if not subscription.contract.is_prepaid or subscription.settled_at is not None:
        return 0
    for instalment in subscription.instalments:
        if instalment.status == InstalmentStatus.DUE:
            instalment.status = InstalmentStatus.CANCELLED
    balance = contract_balance(subscription)
    if balance:
        post_contract_settled(
            subscription.id,
            subscription.household_id,
            balance,
            f"S{subscription.id:05d}",
            idempotency_key=f"contract:{subscription.id}:settled",
        )
    subscription.settled_at = now
    db.session.flush()
    return balance


def settle_finished(now: datetime) -> int:
    """Settle the prepaid subscriptions whose season is over; how many were settled."""
    today = hub_today(now)
    query = (
        select(Subscription)
        .join(Contract, Contract.id == Subscription.contract_id)
        .where(
            Subscription.settled_at.is_(None),
            Contract.payment_terms.in_(PREPAID_TERMS),
            or_(Contract.last_delivery < today, Subscription.ends_on < today),
        )
        .order_by(Subscription.id)
    )
    settled = 0
    for subscription in db.session.scalars(query).all():
        subscription = locked_subscription(subscription)
        if subscription.settled_at is None and subscription.calendar[-1:] < [today]:
            settle(subscription, now)
            settled += 1
    return settled


def locked_subscription(subscription: Subscription) -> Subscription:
    """The subscription as the last request left it, under its household's lock."""
    lock_row(Household, subscription.household_id)
    query = (
        select(Subscription)
        .options(
            selectinload(Subscription.absences),
            selectinload(Subscription.deliveries),
            selectinload(Subscription.shares),
            selectinload(Subscription.instalments),
        )
        .where(Subscription.id == subscription.id)
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(query).one()


def declare_absence(subscription: Subscription, day: date, now: datetime) -> Absence:
    """The household will not collect the delivery of `day`: not delivered, not charged."""
    subscription = locked_subscription(subscription)
    contract = subscription.contract
    if not subscription.is_active:
        raise SubscriptionRefused(_l("This subscription has ended."))
    if day not in subscription.calendar:
        raise SubscriptionRefused(_l("There is no delivery of this contract on that day."))
    if day < hub_today(now) or any(d.day == day for d in subscription.deliveries):
        raise SubscriptionRefused(
            _l("The delivery of that day is already in your order: it can no longer be missed.")
        )
    if day in subscription.absent_days:
        raise AlreadySubscribed(_l("You have already declared this absence."))
    if len(subscription.absences) >= contract.absences_allowed:
        raise SubscriptionRefused(
            lazy_ngettext(
                "This contract allows %(num)d absence in the season, already declared.",
                "This contract allows %(num)d absences in the season, all already declared.",
                contract.absences_allowed,
            )
        )
    absence = Absence(subscription=subscription, day=day, declared_at=now)
    db.session.add(absence)
    db.session.flush()
    reschedule(subscription)
    return absence


def end(subscription: Subscription, now: datetime) -> Subscription:
    """Stop the subscription: no delivery after today's and those already in an order. Paid
    per delivery, what was delivered was charged with its order and nothing else is owed;
    prepaid, the subscription's account is settled at once."""
    subscription = locked_subscription(subscription)
    if not subscription.is_active:
        raise AlreadySubscribed(_l("This subscription has already ended."))
    subscription.status = SubscriptionStatus.ENDED
    subscription.ended_at = now
    # Deliveries already in an order stay there (and are charged with it); none after them.
    subscription.ends_on = max([hub_today(now), *(d.day for d in subscription.deliveries)])
    free_subscriber(subscription.contract_id)
    db.session.flush()
    settle(subscription, now)
    return subscription


def cycles_to_generate(now: datetime) -> list[OrderCycle]:
    """Published cycles not closed yet: their orders can still receive deliveries."""
    query = (
        select(OrderCycle)
        .options(selectinload(OrderCycle.pickups))
        .where(
            OrderCycle.published_at.is_not(None),
            OrderCycle.settled_at.is_(None),
            OrderCycle.closes_at > now,
        )
        .order_by(OrderCycle.opens_at, OrderCycle.id)
    )
    return list(db.session.scalars(query))


def cycle_day(cycle: OrderCycle, collection_point_id: int) -> tuple[CyclePickup | None, date]:
    """The cycle's pickup at the point (if it has one) and the day that places the cycle in
    the season's calendar (that pickup's day, else the cycle's first pickup's)."""
    pickups = sorted(cycle.pickups, key=lambda pickup: pickup.starts_at)
    for pickup in pickups:
        if pickup.collection_point_id == collection_point_id:
            return pickup, hub_today(pickup.starts_at)
    moment = pickups[0].starts_at if pickups else cycle.closes_at
    return None, hub_today(moment)


def generate(cycle: OrderCycle, now: datetime) -> dict[str, int]:
    """Every active subscription's delivery of this cycle, once; counts by outcome."""
    counts = {status.value: 0 for status in DeliveryStatus}
    query = (
        select(Subscription)
        .join(Contract, Contract.id == Subscription.contract_id)
        .options(joinedload(Subscription.contract))
        .where(
            Subscription.status == SubscriptionStatus.ACTIVE,
            # A cycle's pickups come days after it closes: a broad window, the calendar decides.
            Contract.first_delivery <= hub_today(cycle.closes_at) + timedelta(weeks=3),
            Contract.last_delivery >= hub_today(cycle.opens_at) - timedelta(weeks=1),
        )
        .order_by(Subscription.household_id, Subscription.id)
    )
    for subscription in db.session.scalars(query).all():
        delivery = generate_one(subscription, cycle, now)
        if delivery is not None:
            counts[delivery.status.value] += 1
    return counts


def generate_one(subscription: Subscription, cycle: OrderCycle, now: datetime) -> Delivery | None:
    """The subscription's delivery in this cycle, made now if it is due and not yet made."""
    contract = subscription.contract
    pickup, day_in_cycle = cycle_day(cycle, subscription.collection_point_id)
    day = contract.delivery_in_week_of(day_in_cycle)
    if day is None or day not in subscription.calendar:
        return None
    share = db.session.scalar(
        select(BasketShare.household_id).where(
            BasketShare.subscription_id == subscription.id,
            BasketShare.status == ShareStatus.ACCEPTED.value,
        )
    )
    lock_households(subscription.household_id, *([share] if share is not None else []))
    subscription = locked_subscription(subscription)
    if not subscription.is_active or day not in subscription.calendar:
        return None
    done = {delivery.cycle_id for delivery in subscription.deliveries}
    if cycle.id in done or any(d.day == day for d in subscription.deliveries):
        return None
    order_id, reason = None, None
    if day in subscription.absent_days:
        status = DeliveryStatus.ABSENT
    elif pickup is None:
        status, reason = DeliveryStatus.SHORT, _l("the collection point is not open in this cycle")
    else:
        order_id, reason = put_in_order(subscription, cycle, pickup, day)
        status = DeliveryStatus.DELIVERED if order_id is not None else DeliveryStatus.SHORT
    delivery = Delivery(
        cycle_id=cycle.id,
        day=day,
        status=status,
        order_id=order_id,
        reason=None if reason is None else str(reason)[:200],
        created_at=now,
    )
    subscription.deliveries.append(delivery)
    db.session.flush()
    if status == DeliveryStatus.SHORT:
        report_shortage(subscription, cycle, day, reason)
        reschedule(subscription)
    return delivery


def contract_offer(contract: Contract, cycle: OrderCycle) -> Offer:
    """The contract's product in the cycle: the producer's offer, or one made at the
    contract's price (no cap) when the producer has not put it in."""
    offer = db.session.scalar(
        select(Offer)
        .options(joinedload(Offer.product))
        .where(Offer.cycle_id == cycle.id, Offer.product_id == contract.product_id)
    )
    if offer is None:
        offer = Offer(
            cycle_id=cycle.id,
            product_id=contract.product_id,
            price_cents=contract.unit_price_cents,
            cap=None,
            ordered_quantity=0,
            confirmed=True,
        )
        db.session.add(offer)
        db.session.flush()
    return offer


def put_in_order(
    subscription: Subscription, cycle: OrderCycle, pickup: CyclePickup, day: date
) -> tuple[int | None, object]:
    """The delivery as a line of the order of the household whose turn it is (a shared
    basket alternates), with the order services' own steps and in their lock order: the
    order, the collection point's place, the offer's stock. The order's id, or None and why
    it could not be made."""
    contract = subscription.contract
    household_id = subscription.household_for(day)
    offer = contract_offer(contract, cycle)
    order = locked_household_order(household_id, cycle.id)
    first = order is None or order.is_cancelled
    if first and not stock.take_place(pickup.id):
        return None, _l("the collection point is full in this cycle")
    if not stock.reserve(offer.id, contract.quantity):
        if first:
            stock.free_place(pickup.id)
        return None, _l("the producer’s stock for this cycle is sold out")
    if order is None or order.is_cancelled:
        order = new_order(order, cycle, household_id, pickup, place_taken=True)
        old_lines = []
    else:
        old_lines = ledger_lines(order)
        order.version += 1
    line = next((line for line in order.lines if line.offer_id == offer.id), None)
    if line is None:
        line = line_from(offer, contract.quantity)
        line.unit_price_cents = contract.unit_price_cents
        order.lines.append(line)
    else:
        line.quantity += contract.quantity
    line.subscription_id = subscription.id
    db.session.flush()
    post_money(order, old_lines)
    if contract.is_prepaid:
        post_contract_applied(
            subscription.id,
            household_id,
            contract.price_cents,
            order.reference,
            idempotency_key=f"contract:{subscription.id}:cycle:{cycle.id}",
            order_id=order.id,
        )
    return order.id, None


def report_shortage(subscription: Subscription, cycle: OrderCycle, day: date, reason) -> None:
    """A delivery that could not be made is mailed to the household and to the producer's
    people, once."""
    contract = subscription.contract
    household_id = subscription.household_for(day)
    household = db.session.get(Household, household_id)
    producer_people = db.session.scalars(
        select(User).where(User.producer_id == contract.producer_id, User.active).order_by(User.id)
    )
    recipients = [*household_users(household_id), *producer_people]
    for user in recipients:
        queue_mail(
            user.email,
            "subscription_shortage",
            user.locale,
            event_key=f"subscription:{subscription.id}:cycle:{cycle.id}:short:{user.id}",
            user=user,
            contract=contract,
            cycle=cycle,
            household=household,
            day=day,
            reason=reason,
            link=external_url("subscriptions.contracts_page"),
        )


def subscribers_by_point(contract: Contract) -> list[tuple[CollectionPoint, list[Subscription]]]:
    """The contract's active subscribers, per collection point."""
    query = (
        select(Subscription)
        .options(
            joinedload(Subscription.collection_point),
            selectinload(Subscription.absences),
            selectinload(Subscription.deliveries),
            selectinload(Subscription.instalments),
        )
        .where(Subscription.contract_id == contract.id)
        .order_by(Subscription.collection_point_id, Subscription.id)
    )
    grouped: dict[int, tuple[CollectionPoint, list[Subscription]]] = {}
    for subscription in db.session.scalars(query):
        point = subscription.collection_point
        grouped.setdefault(point.id, (point, []))[1].append(subscription)
    return list(grouped.values())


def household_names(household_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(household_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(Household.id, Household.name).where(Household.id.in_(ids)))
    return {row.id: row.name for row in rows}


def deliveries_by_day(contract: Contract) -> dict[date, dict[str, int]]:
    """Per delivery day, how many were delivered, absent or short."""
    query = (
        select(Delivery.day, Delivery.status)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(Subscription.contract_id == contract.id)
    )
    table: dict[date, dict[str, int]] = {}
    for day, status in db.session.execute(query):
        row = table.setdefault(day, {status.value: 0 for status in DeliveryStatus})
        row[status.value] += 1
    return table
