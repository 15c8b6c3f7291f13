"""Language choice and the locale-aware helpers templates use."""

from functools import cache, cached_property

from babel.support import NullTranslations, Translations
from flask import Flask, Request, current_app, has_request_context, request, session
from flask_babel import format_datetime, format_number, get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from wtforms.i18n import messages_path

from market.money import format_cents

LOCALE_TERRITORIES = {"fr": "fr_FR", "en": "en_GB"}


def select_locale() -> str:
    """The account's preference, then this browser's choice, then its Accept-Language.

    Outside a request (commands), the hub's default language.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or languages[0]


def current_territory_locale() -> str:
    return LOCALE_TERRITORIES.get(str(get_locale()), "fr_FR")


def money(cents: int) -> str:
    return format_cents(cents, current_territory_locale())


def escape_lazy_text(value):
    """Lazy translations claim to be safe HTML; their arguments may be what a person typed.

    Turning them into plain text before output lets autoescaping do its work.
    """
    return str(value) if isinstance(value, LazyString) else value


# The name under which each render's template context holds its translations.
TRANSLATIONS = "_request_translations"


def render_translations() -> dict:
    """The translations of the language a template is rendered in, looked up once per render
    (a mail rendered in its recipient's language included), instead of once per string."""
    return {TRANSLATIONS: get_translations()}


def translations_of(context) -> NullTranslations:
    # A macro imported without context has no render's translations: it looks them up.
    translations = context.get(TRANSLATIONS)
    return translations if translations is not None else get_translations()


@pass_context
def template_gettext(context, string: str) -> str:
    return translations_of(context).ugettext(string)


@pass_context
def template_ngettext(context, singular: str, plural: str, n: int) -> str:
    return translations_of(context).ungettext(singular, plural, n)


@pass_context
def template_pgettext(context, message_context: str, string: str) -> str:
    return translations_of(context).upgettext(message_context, string)


@pass_context
def template_npgettext(context, message_context: str, singular: str, plural: str, n: int) -> str:
    return translations_of(context).unpgettext(message_context, singular, plural, n)


def register_template_helpers(app: Flask) -> None:
    app.context_processor(render_translations)
    # In place of Flask-Babel's, which find the request's translations again for each string.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=template_gettext,
        ngettext=template_ngettext,
        newstyle=True,
        pgettext=template_pgettext,
        npgettext=template_npgettext,
    )
    app.jinja_env.finalize = escape_lazy_text
    app.add_template_filter(money, "money")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_number, "number")  # 1 200 in French, 1,200 in English
    app.add_template_global(get_locale, "get_locale")


@cache
def wtforms_catalogue(locale: str) -> NullTranslations:
    """WTForms' own messages in one language, read from disk once per process."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class MarketRequest(Request):
    @cached_property
    def wtforms_translations(self) -> NullTranslations:
        """Flask-WTF takes WTForms' messages from this attribute when the request has it;
        without it, it reads their catalogue from disk again in every request with a form."""
        return wtforms_catalogue(str(get_locale()))


def register_form_translations(app: Flask) -> None:
    app.request_class = MarketRequest
