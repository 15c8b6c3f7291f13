"""A producer's home starts with its week; the coordinator's header and lists page fit a
phone (390×844)."""

from playwright.sync_api import expect

from tests.e2e.helpers import PHONE, assert_accessible, log_in
from tests.exports.conftest import closed_cycle  # noqa: F401 - the fixture
from tests.factories import UserFactory


def test_a_producer_s_home_shows_its_week_first(page, closed_cycle):  # noqa: F811
    page.set_viewport_size(PHONE)
    log_in(page, closed_cycle["farmer"].email)
    page.goto("/")
    week = page.get_by_role("region", name="Votre semaine, Ferme Lafitte")
    expect(week).to_contain_text("3\u00a0commandes contiennent vos produits dans « Semaine 48 ».")
    table = week.get_by_role("table", name="À apporter, par point de retrait")
    expect(table.get_by_role("row", name="Carottes")).to_contain_text("3")
    expect(table.get_by_role("columnheader", name="Gare")).to_be_visible()
    # Before the rest of the home page.
    how = page.get_by_role("heading", name="Comment ça marche").bounding_box()
    assert week.bounding_box()["y"] < how["y"]
    assert_accessible(page)


def test_the_coordinator_s_header_and_lists_fit_a_phone(page, db, closed_cycle):  # noqa: F811
    UserFactory(role="coordinator", email="coordination@example.org")
    db.session.commit()
    page.set_viewport_size(PHONE)
    log_in(page, "coordination@example.org")
    page.goto(f"/coordination/cycles/{closed_cycle['cycle'].id}/lists")
    assert page.locator(".site-header").bounding_box()["height"] <= 160
    expect(page.get_by_role("link", name="Tout télécharger (ZIP)")).to_be_visible()
    bourg = page.locator(".list-cards .card", has=page.get_by_role("heading", name="Bourg"))
    expect(bourg.get_by_role("link", name="écran de retrait")).to_be_visible()
    expect(bourg.get_by_role("link", name="PDF")).to_be_hidden()  # folded
    bourg.get_by_text("Autres formats").click()
    expect(bourg.get_by_role("link", name="PDF — Bourg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Each link says what it downloads, folded or not: no two alike for a screen reader.
    names = page.locator("main a").evaluate_all(
        "links => links.map(link => link.textContent.replace(/\\s+/g, ' ').trim())"
    )
    assert len(names) == len(set(names))
    expect(page.get_by_role("link", name="Toutes les listes des producteurs (ZIP)")).to_be_visible()
    assert_accessible(page)
