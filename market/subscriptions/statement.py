"""The household's prepaid contracts on its statement: each one's instalments (paid, due)
and its account's balance, which the household's own account does not show."""

from market.subscriptions.services import hub_today, prepaid_subscriptions
from market.timeutil import utcnow


def prepaid_contracts_section(household_id: int) -> tuple[str, dict] | None:
    subscriptions = prepaid_subscriptions(household_id)
    if not subscriptions:
        return None
    context = {"subscriptions": subscriptions, "today": hub_today(utcnow()), "can_record": False}
    return "subscriptions/_statement.html", context
