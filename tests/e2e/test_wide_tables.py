"""Statements and wide tables on a 390-pixel phone: the page never scrolls sideways, the
tables that do scroll are labelled regions the keyboard reaches, and the whole fingerprint
can be copied; the printed pickup list has its main landmark."""

import re

from playwright.sync_api import expect

from market.ledger.builders import post_credit_topup
from tests.e2e.helpers import DESKTOP, PHONE, assert_accessible, log_in
from tests.exports.conftest import closed_cycle  # noqa: F401 - the fixture
from tests.factories import HouseholdUserFactory, UserFactory


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_statement_fits_a_phone_and_its_fingerprint_can_be_copied(page, db):
    household = HouseholdUserFactory(email="amaia@example.org")
    post_credit_topup(household.household_id, 5000, "cheque", "avance de septembre", "topup-1")
    db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "amaia@example.org")
    page.goto("/ledger/statement")
    assert page_width(page) <= PHONE["width"]
    region = page.get_by_role("region", name="Mon relevé")
    expect(region).to_have_attribute("tabindex", "0")
    page.get_by_text("L’empreinte entière, à copier").click()
    expect(page.locator(".fingerprint")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    assert page_width(page) <= PHONE["width"]


def test_the_printed_pickup_list_has_a_main_landmark(page, db, closed_cycle):  # noqa: F811
    UserFactory(role="coordinator", email="coordination@example.org")
    db.session.commit()
    for screen in (PHONE, DESKTOP):
        page.set_viewport_size(screen)
        if screen is PHONE:
            log_in(page, "coordination@example.org")
        page.goto(f"/coordination/cycles/{closed_cycle['cycle'].id}/pickup-list.html")
        expect(page.get_by_role("main")).to_be_visible()
        assert_accessible(page)
