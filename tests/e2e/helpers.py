"""Steps the browser journeys share."""

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
