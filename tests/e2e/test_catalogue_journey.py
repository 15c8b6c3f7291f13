"""A producer applies, the coordinator approves, the producer adds a product with a photo and
imports a spreadsheet with one bad line, fixes it and applies it."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.helpers import confirm_address
from tests.factories import PASSWORD, CategoryFactory, UserFactory

HEADER = (
    "référence;nom;catégorie;description;unité;contenance;prix;TVA;vendu au poids;"
    "poids estimé (g);labels;actif"
)


@pytest.fixture(autouse=True)
def catalogue_folders(monkeypatch, tmp_path):
    """The served app keeps photos and pending imports in this test's folder."""
    monkeypatch.setenv("MARKET_PHOTO_DIRECTORY", str(tmp_path / "photos"))
    monkeypatch.setenv("MARKET_IMPORT_DIRECTORY", str(tmp_path / "imports"))


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (180, 90, 30)).save(out, "JPEG")
    return out.getvalue()


def spreadsheet(price: str) -> dict:
    text = "\r\n".join(
        [
            HEADER,
            ";Radis roses;légumes;;botte;;2,20;5,5;non;;ab;oui",
            f";Navets;légumes;;botte;;{price};5,5;non;;;oui",
        ]
    )
    return {"name": "catalogue.csv", "mimeType": "text/csv", "buffer": text.encode("cp1252")}


def test_apply_approve_add_product_with_photo_and_import(page, db):
    CategoryFactory(name="légumes")
    coordinator = UserFactory(role="coordinator", email="claire@example.org")
    db.session.commit()

    # The producer applies, creating their account once the address is confirmed.
    page.goto("/producers")
    page.get_by_role("link", name="Proposez votre candidature").click()
    page.get_by_label("Raison sociale ou nom de la ferme").fill("Ferme du Bourg")
    page.get_by_label("Numéro SIRET").fill("732 829 320 00074")
    page.get_by_label("Adresse", exact=True).fill("3 chemin de Pey")
    page.get_by_label("Code postal").fill("40390")
    page.get_by_label("Commune").fill("Saint-Martin-de-Seignanx")
    page.get_by_label("Téléphone").fill("06 11 22 33 44")
    page.get_by_label("Votre histoire").fill("Maraîchage en agroforesterie.")
    page.get_by_label("Agriculture biologique (AB)").check()
    page.get_by_label("Votre nom").fill("Peio Larralde")
    page.get_by_label("Adresse e-mail").fill("peio@example.org")
    page.get_by_label("Mot de passe", exact=True).fill("une-longue-phrase-secrete")
    page.get_by_label("Mot de passe (confirmation)").fill("une-longue-phrase-secrete")
    page.get_by_role("button", name="Envoyer ma candidature").click()
    confirm_address(page, db)
    expect(page.get_by_text("est en cours d’examen")).to_be_visible()
    log_out(page)

    # The coordinator approves.
    log_in(page, coordinator.email, PASSWORD)
    page.get_by_role("link", name="Gérer les producteurs").click()
    page.get_by_role("link", name="Examiner").click()
    page.get_by_label("Message au candidat").fill("Bienvenue au marché !")
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_text("décision enregistrée")).to_be_visible()
    log_out(page)

    # The producer adds a product with a photo.
    log_in(page, "peio@example.org", "une-longue-phrase-secrete")
    page.get_by_role("link", name="Mon catalogue").click()
    page.get_by_role("link", name="Ajouter un produit").click()
    page.get_by_label("Nom", exact=True).fill("Blettes")
    page.get_by_label("Catégorie").select_option(label="légumes")
    page.get_by_label("Unité de vente").select_option(label="botte")
    page.get_by_label("Contenance").fill("botte de 1 kg")
    page.get_by_label("Prix TTC (€)").fill("2,50")
    page.get_by_role("button", name="Enregistrer le produit").click()
    expect(page.get_by_text("« Blettes » a été enregistré.")).to_be_visible()
    page.get_by_label("Photo", exact=True).set_input_files(
        {"name": "blettes.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    page.get_by_role("button", name="Envoyer la photo").click()
    expect(page.get_by_text("La photo a été enregistrée.")).to_be_visible()
    expect(page.get_by_alt_text("Photo actuelle de Blettes")).to_be_visible()

    # The producer imports a spreadsheet with one bad line, fixes it, applies it.
    page.get_by_role("link", name="Catalogue de Ferme du Bourg").click()
    page.get_by_role("link", name="Importer un tableur").click()
    page.get_by_label("Tableur").set_input_files(spreadsheet("3,5O"))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_text("ligne 3, prix : « 3,5O » n’est pas un montant")).to_be_visible()
    expect(page.get_by_role("button", name="Appliquer l’import")).to_have_count(0)
    page.get_by_label("Tableur").set_input_files(spreadsheet("3,50"))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_text("2 nouveaux produits, 0 modifiés, 0 inchangés")).to_be_visible()
    page.get_by_role("button", name="Appliquer l’import").click()
    expect(page.get_by_text("Import terminé : 2 nouveaux produits")).to_be_visible()

    # Everyone can now see the producer and its three products.
    page.get_by_role("link", name="Voir la page publique").click()
    expect(page.get_by_role("heading", name="Ferme du Bourg")).to_be_visible()
    for name in ("Blettes", "Radis roses", "Navets"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_text("3,50 € / botte")).to_be_visible()
