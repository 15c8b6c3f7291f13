"""Absolute links for emails, inside a request or from a command."""

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """The request's own address when there is one, else MARKET_PUBLIC_URL (commands, jobs)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    public = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        public.netloc, url_scheme=public.scheme, script_name=public.path or "/"
    )
    return adapter.build(endpoint, values, force_external=True)
