"""HTTP security headers on every response, by flask-talisman.

The Content-Security-Policy allows nothing inline: scripts and styles come from static/
only, so an injected <script> or style= would not run. Pages cannot be framed (clickjacking
of staff forms), MIME types are not sniffed, the Referer never leaves the site (reset links
carry tokens), and HTTPS requests get HSTS. The same policy holds in every environment, so
development and the browser tests meet a violation before production does.
"""

import re
from urllib.parse import urlsplit

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_talisman import Talisman

from market.errors import render_error

STRIPE_CHECKOUT = "https://checkout.stripe.com"
HSTS_SECONDS = 365 * 24 * 3600


def checkout_origin(config) -> str:
    """Where checkout sends the browser to pay: Stripe's page, or the tests' fake."""
    base = config.get("STRIPE_API_BASE")
    if not base:
        return STRIPE_CHECKOUT
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(config) -> dict:
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        # A form may lead to this site, or (through checkout's redirect) to pay online.
        "form-action": f"'self' {checkout_origin(config)}",
    }


# Characters no one types: C0 controls but tab and line breaks, DEL, C1 controls, and the two
# Unicode non-characters. NUL cannot even be stored by PostgreSQL, and XLSX (XML) refuses most.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def refuse_control_characters():
    """Every form field, query parameter and address is refused, with the field named,
    when it holds a control character: nothing reaches a service, a database or a file."""
    if CONTROL_CHARACTERS.search(request.path):
        return render_error(400)
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
                return render_error(
                    400,
                    _l(
                        "The field « %(field)s » holds an invisible control character (often "
                        "pasted from another program). Remove it and send the form again: "
                        "nothing was changed.",
                        field=CONTROL_CHARACTERS.sub("", name),
                    ),
                )
    return None


def register(app: Flask) -> None:
    app.before_request(refuse_control_characters)
    # One Talisman per app, not one in extensions.py: it keeps its options on itself, and
    # the tests run apps with different settings side by side.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,  # the TLS proxy redirects; /healthz may be asked over HTTP
        frame_options="DENY",
        strict_transport_security=True,
        strict_transport_security_max_age=HSTS_SECONDS,
        strict_transport_security_include_subdomains=False,
        content_security_policy=content_security_policy(app.config),
        referrer_policy="same-origin",
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "()"},
        feature_policy={},
        document_policy={},
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )


def own_content_security_policy(policy: dict):
    """A view answering with its own Content-Security-Policy instead of the site's (a chart
    served as an SVG image keeps its drawing's style inside it, and runs nothing)."""

    def decorate(view):
        view.talisman_view_options = {"content_security_policy": policy}
        return view

    return decorate
