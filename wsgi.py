"""WSGI entry point of a source checkout: ``gunicorn wsgi:app`` (same as ``supervision.wsgi:app``)."""

from supervision.wsgi import app

__all__ = ["app"]
