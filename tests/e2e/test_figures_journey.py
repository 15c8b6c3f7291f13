"""The observatory and the coordinator's dashboard in the browser: axe finds no
accessibility violation, the charts load under the strict policy, and a phone's width
needs no sideways scrolling."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.helpers import log_in
from tests.factories import UserFactory
from tests.figures.conftest import history  # noqa: F401 - a fixture

PHONE = {"width": 390, "height": 844}


def accessibility_violations(page) -> str:
    results = Axe().run(page)
    return "" if results.violations_count == 0 else results.generate_report()


def fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_observatory_is_accessible_on_a_desktop_and_a_phone(page, history):  # noqa: F811
    page.goto("/")
    page.get_by_role("link", name="Observatoire").click()
    expect(
        page.get_by_role("heading", name="Dépenses auprès des producteurs locaux")
    ).to_be_visible()
    charts = page.locator("figure.chart img")
    expect(charts).to_have_count(5)
    # Every chart loads (an SVG image the policy lets through) and is drawn.
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )
    assert accessibility_violations(page) == ""
    page.get_by_label("Chiffres").select_option("season")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("rowheader", name="Saison 2026").first).to_be_visible()
    page.set_viewport_size(PHONE)
    assert fits(page)
    assert accessibility_violations(page) == ""


def test_the_coordinator_lands_on_the_dashboard(page, db, history):  # noqa: F811
    UserFactory(role="coordinator", email="claire@example.org", name="Claire Duhau")
    db.session.commit()
    log_in(page, "claire@example.org")
    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    assert accessibility_violations(page) == ""
    page.set_viewport_size(PHONE)
    assert fits(page)
