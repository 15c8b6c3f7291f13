"""The exports' closed cycle, with the farm ready to be invoiced and the dairy not."""

import pytest

from market.cycles.services import settle
from market.cycles.signals import cycle_settled
from market.invoices.services import accept_mandate
from market.timeutil import utcnow
from tests.exports.conftest import closed_cycle  # noqa: F401 - a fixture
from tests.factories import TaxProfileFactory


@pytest.fixture(autouse=True)
def issued_by_hand(request):
    """Settling a cycle issues its invoices (market/invoices/issuing.py); these tests settle,
    then issue by hand to look at each step. A module with ISSUE_AT_SETTLEMENT = True tests
    the issue that settling makes."""
    if getattr(request.module, "ISSUE_AT_SETTLEMENT", False):
        yield
        return
    with cycle_settled.muted():
        yield


@pytest.fixture
def invoiceable(db, closed_cycle):  # noqa: F811 - the fixture imported above
    """The farm has a checked profile and a mandate in force; the dairy has neither."""
    farm = closed_cycle["farm"]
    TaxProfileFactory(producer=farm, legal_name="EARL Ferme Lafitte")
    accept_mandate(farm, closed_cycle["farmer"].id, 1, utcnow())
    db.session.commit()
    return closed_cycle


@pytest.fixture
def settled(db, invoiceable):
    settle(invoiceable["cycle"], utcnow())
    db.session.commit()
    return invoiceable
