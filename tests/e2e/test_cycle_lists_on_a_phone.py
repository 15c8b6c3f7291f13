"""The coordinator on a phone: a cycle's lists are grouped per collection point and producer,
every format a tap away but folded, and each link says what it downloads."""

from collections import Counter

from playwright.sync_api import expect

from tests.e2e.helpers import log_in
from tests.exports.conftest import closed_cycle  # noqa: F401 - the fixture
from tests.factories import UserFactory

PHONE = {"width": 390, "height": 844}


def test_the_lists_page_fits_a_phone_and_names_every_link(page, db, closed_cycle):  # noqa: F811
    UserFactory(role="coordinator", email="coordination@example.org")
    db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "coordination@example.org")
    page.goto(f"/coordination/cycles/{closed_cycle['cycle'].id}/lists")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    visible = [link for link in page.locator("main a").all() if link.is_visible()]
    names = Counter(link.get_attribute("href") for link in visible)
    # Formats are folded until asked for: two links per point (its screen, its print) and
    # per producer (its page, its PDF) beside the page's own few (38 links in all before).
    groups = len(closed_cycle["cycle"].pickups) + 2
    assert len(visible) <= 11 + 2 * groups
    assert all(count == 1 for count in names.values())

    bourg = page.locator(".card", has_text="Bourg")
    bourg.get_by_text("Fichiers").click()
    expect(bourg.get_by_role("link", name="Liste de retrait PDF — Bourg")).to_be_visible()
    accessible = [page.evaluate("link => link.textContent.replace(/\\s+/g, ' ').trim()",
                                link.element_handle())
                  for link in page.locator("main a").all()]
    repeated = [name for name, count in Counter(accessible).items() if count > 1]
    assert repeated == []
