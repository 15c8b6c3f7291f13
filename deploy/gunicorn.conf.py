"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'market:create_app()'`."""

import gunicorn.http.wsgi

# gunicorn names itself in a Server header of its own making, which the app cannot remove:
# give it a name that tells an attacker nothing about the software or its version.
gunicorn.http.wsgi.SERVER = "market"
