"""Steps the browser journeys share."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import PASSWORD


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()


def confirm_address(page, db) -> None:
    """Open the link the sign-up emailed, and confirm, as the newcomer does from their inbox."""
    from tests.helpers import signup_link

    db.session.expire_all()
    expect(page.get_by_role("heading", name="Vérifiez votre boîte de réception")).to_be_visible()
    page.goto(signup_link(db))
    page.get_by_role("button", name="Confirmer et ouvrir mon compte").click()


WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.1 A or AA violation on the page as it is now."""
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
