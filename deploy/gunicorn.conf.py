"""gunicorn settings for market, behind a TLS reverse proxy on the same server.

gunicorn -c deploy/gunicorn.conf.py 'market:create_app()'
"""

import multiprocessing

import gunicorn.http.wsgi

# gunicorn names itself in a Server header of its own making, which the app cannot remove:
# give it a name that tells an attacker nothing about the software or its version.
gunicorn.http.wsgi.SERVER = "market"

# Only the reverse proxy on this machine talks to gunicorn.
bind = "127.0.0.1:8000"
# Sync workers, two per core: on two cores, 2 to 4 workers measured alike (bench/ordering.py).
workers = 2 * multiprocessing.cpu_count()
# The app is made once, before the workers are forked: they share its compiled templates
# (when_ready below) and a worker started afresh serves at once. Making the app opens no
# database connection, so no connection is shared between workers.
preload_app = True
# A page or an export that takes longer is stuck; the slowest lists take a few seconds.
timeout = 60
graceful_timeout = 30
# Workers start afresh now and then, so that memory does not creep.
max_requests = 2000
max_requests_jitter = 200
# Requests and errors go to the journal (journalctl -u market).
accesslog = "-"
errorlog = "-"
# The proxy says whether the visitor used https; gunicorn believes only this machine.
forwarded_allow_ips = "127.0.0.1,::1"


def when_ready(server) -> None:
    """Every template compiled in the preloaded app, before any worker is forked; a broken
    template stops the start instead of failing a visitor."""
    from market import compile_templates

    compile_templates(server.app.wsgi())
