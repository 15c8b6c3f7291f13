"""What the subscriptions domain refuses, each with the message a person reads."""

from market.errors import DomainError


class SubscriptionRefused(DomainError):
    pass


class ContractFull(SubscriptionRefused):
    status = 409


class AlreadySubscribed(SubscriptionRefused):
    status = 409


class NotYourContract(DomainError):
    status = 403
