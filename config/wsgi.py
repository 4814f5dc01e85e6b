"""WSGI entry point (gunicorn config.wsgi). Cached public badge documents are answered before Django."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from issuers.public_cache import PublicDocumentFastPath  # noqa: E402 — needs Django set up first

application = PublicDocumentFastPath(django_application)
