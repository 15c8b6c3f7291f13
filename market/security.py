"""HTTP security headers on every response, by flask-talisman.

The Content-Security-Policy allows nothing inline: scripts and styles come from static/
only, so an injected <script> or style= would not run. Pages cannot be framed (clickjacking
of staff forms), MIME types are not sniffed, the Referer never leaves the site (reset links
carry tokens), and HTTPS requests get HSTS. The same policy holds in every environment, so
development and the browser tests meet a violation before production does.
"""

from urllib.parse import urlsplit

from flask import Flask
from flask_talisman import Talisman

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


def register(app: Flask) -> None:
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
