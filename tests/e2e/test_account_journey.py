"""A household registers (confirming its address), logs out, logs in again, switches to
English and back."""

from playwright.sync_api import expect

from tests.e2e.helpers import confirm_address


def test_register_logout_login_and_switch_language(page, db):
    page.goto("/")
    expect(page.get_by_role("heading", name="Comment ça marche")).to_be_visible()

    page.get_by_role("link", name="Créer un compte", exact=True).click()
    page.get_by_label("Nom du foyer").fill("Famille Darrigrand")
    page.get_by_label("Adresse e-mail").fill("darrigrand@example.org")
    page.get_by_label("Téléphone").fill("06 11 22 33 44")
    page.get_by_label("Seconde personne autorisée").fill("Pantxika Darrigrand")
    page.get_by_label("Mot de passe", exact=True).fill("une-longue-phrase-secrete")
    page.get_by_label("Mot de passe (confirmation)").fill("une-longue-phrase-secrete")
    page.get_by_role("button", name="Créer mon compte").click()
    confirm_address(page, db)
    expect(page.get_by_text("Bienvenue, Famille Darrigrand !")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()

    page.get_by_role("link", name="Se connecter").first.click()
    page.get_by_label("Adresse e-mail").fill("darrigrand@example.org")
    page.get_by_label("Mot de passe").fill("une-longue-phrase-secrete")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Famille Darrigrand")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="How it works")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Comment ça marche")).to_be_visible()


def test_wrong_password_is_refused_in_french(page, db):
    from tests.factories import HouseholdUserFactory

    HouseholdUserFactory(email="amaia@example.org")
    db.session.commit()
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("amaia@example.org")
    page.get_by_label("Mot de passe").fill("pas-le-bon-mot")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Adresse e-mail ou mot de passe incorrect.")).to_be_visible()
