"""Static files in production: each URL carries its file's content hash (?v=…), so that
browsers keep the file a year and still fetch a changed file at once, under its new URL."""

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, request

YEAR_SECONDS = 365 * 24 * 3600


def register(app: Flask) -> None:
    if not app.config.get("STATIC_FINGERPRINTS") or app.static_folder is None:
        return
    folder = Path(app.static_folder).resolve()

    @cache
    def fingerprint(filename: str) -> str | None:
        """The file's hash, read once per process (a deploy restarts it)."""
        path = (folder / filename).resolve()
        if folder not in path.parents or not path.is_file():
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            digest = fingerprint(values["filename"])
            if digest:
                values.setdefault("v", digest)

    @app.after_request
    def cache_for_a_year(response):
        """Only the current version's URL is kept long: an old ?v= is served as usual."""
        filename = (request.view_args or {}).get("filename", "")
        if (
            request.endpoint == "static"
            and response.status_code == 200
            and request.args.get("v") == fingerprint(filename)
        ):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR_SECONDS
            response.cache_control.immutable = True
        return response
