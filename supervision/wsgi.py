"""WSGI entry point: ``gunicorn supervision.wsgi:app`` (works from any directory, also when installed)."""

from supervision import create_app

app = create_app()
