"""French first: every message has its French translation; the language follows the person."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import logged_in_client
from tests.factories import HouseholdUserFactory

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [
    ("market/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]


def extracted_messages() -> set[str]:
    messages = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


def test_every_message_has_a_french_translation():
    with open(ROOT / "translations/fr/LC_MESSAGES/messages.po", "rb") as po:
        catalogue = read_po(po)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id
        and m.string
        and all(m.string if isinstance(m.string, tuple) else [m.string])
        and "fuzzy" not in m.flags
    }
    missing = sorted(extracted_messages() - translated)
    assert missing == [], "translate these in translations/fr (make messages)"


def straight_apostrophes(text: str) -> bool:
    """A straight apostrophe in the words of a French text: markup (a tag and its
    attributes) and placeholders are not words."""
    words = re.sub(r"<[^>]*>|%\([a-z_]+\)[a-z]|\{[a-z_]*\}", "", text)
    return "'" in words


def test_straight_apostrophes_are_told_apart_from_markup():
    assert straight_apostrophes("Ce lien n'est pas valide.")
    assert not straight_apostrophes("Ce lien n’est pas valide.")
    assert not straight_apostrophes("<a href='%(link)s'>Le lien</a> n’est pas valide")
    assert straight_apostrophes("<a href='/'>L'accueil</a>")


def test_french_uses_typographic_apostrophes():
    """French writes l’ordre, not l'ordre; a straight one only stands inside markup."""
    with open(ROOT / "translations/fr/LC_MESSAGES/messages.po", "rb") as po:
        catalogue = read_po(po)
    straight = [
        text
        for message in catalogue
        if message.id
        for text in (message.string if isinstance(message.string, tuple) else [message.string])
        if straight_apostrophes(text)
    ]
    assert straight == [], "write ’ (U+2019) in these French translations"


def test_french_is_the_default(client):
    assert 'lang="fr"' in client.get("/").text


def test_the_browser_language_is_followed(client):
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.8"})
    assert 'lang="en"' in response.text
    assert "How it works" in response.text


def test_the_account_preference_wins_over_the_browser(app, db):
    user = HouseholdUserFactory(locale="fr")
    db.session.commit()
    client = logged_in_client(app, user)
    assert 'lang="fr"' in client.get("/", headers={"Accept-Language": "en"}).text


def test_the_switch_remembers_the_choice_for_a_visitor(client):
    response = client.post("/locale", data={"locale": "en", "next": "/login"})
    assert response.status_code == 302
    assert response.location == "/login"
    assert "Log in" in client.get("/login").text


def test_the_switch_stores_the_choice_on_the_account(app, db):
    user = HouseholdUserFactory()
    db.session.commit()
    client = logged_in_client(app, user)
    client.post("/locale", data={"locale": "en", "next": "/"})
    assert user.locale == "en"


def test_the_switch_refuses_foreign_redirects_and_unknown_languages(client):
    response = client.post("/locale", data={"locale": "de", "next": "https://evil.example/"})
    assert response.location == "/"
    assert 'lang="fr"' in client.get("/").text


def test_amounts_are_formatted_in_french(app):
    from market.i18n import money

    with app.test_request_context():
        assert money(1250) == "12,50\xa0€"


def test_translated_messages_do_not_let_typed_text_through_as_html(coordinator_client):
    response = coordinator_client.post(
        "/invitations", data={"email": "x@example.org", "role": "<script>alert(1)</script>"}
    )
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_wtforms_messages_are_read_once_per_language(app, monkeypatch):
    from babel.support import Translations

    from market.i18n import wtforms_catalogue
    from market.orders.forms import CheckoutForm

    loads = []
    load = Translations.load.__func__
    monkeypatch.setattr(
        Translations,
        "load",
        classmethod(
            lambda cls, *args, **kwargs: (
                loads.append(kwargs.get("domain")) or load(cls, *args, **kwargs)
            )
        ),
    )
    wtforms_catalogue.cache_clear()
    for _ in range(3):
        with app.test_request_context("/cart"):
            form = CheckoutForm()  # a field without a label asks WTForms for its name
            assert form.submission.label.text == "Submission"
    assert loads.count("wtforms") == 1
