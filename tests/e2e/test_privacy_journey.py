"""A household takes its data and asks to close its account; the coordinator erases it; the
household can no longer log in. With CSRF on, through the real pages."""

from playwright.sync_api import expect

from tests.e2e.helpers import log_in, log_out
from tests.factories import PASSWORD, HouseholdUserFactory, UserFactory


def test_a_household_leaves_and_is_erased(page, db):
    HouseholdUserFactory(email="amaia@example.org", name="Famille Irigoyen")
    UserFactory(role="coordinator", email="claire@example.org", name="Claire Duhau")
    db.session.commit()

    log_in(page, "amaia@example.org")
    page.get_by_role("link", name="Famille Irigoyen").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger tout ce que le marché détient").click()
    assert download.value.suggested_filename.startswith("market-data-")
    page.get_by_role("link", name="Fermer mon compte").click()
    page.get_by_label("Votre mot de passe").fill(PASSWORD)
    page.get_by_label("Je demande au marché d’effacer le compte de mon foyer").check()
    page.get_by_role("button", name="Demander la fermeture de mon compte").click()
    expect(page.get_by_text("Votre demande est enregistrée")).to_be_visible()
    log_out(page)

    log_in(page, "claire@example.org")
    page.get_by_role("link", name="Fermetures de compte").click()
    expect(page.get_by_role("cell", name="amaia@example.org")).to_be_visible()
    page.get_by_label("Je comprends que l’effacement est définitif").check()
    page.get_by_role("button", name="Effacer Famille Irigoyen").click()
    expect(page.get_by_text("Les informations du foyer sont effacées")).to_be_visible()
    expect(page.get_by_text("Aucune demande en attente.")).to_be_visible()
    log_out(page)

    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("amaia@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Adresse e-mail ou mot de passe incorrect.")).to_be_visible()
