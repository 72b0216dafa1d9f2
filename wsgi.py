"""WSGI entry point: ``gunicorn wsgi:app`` (each worker builds its app after the fork)."""

from kb import create_app

app = create_app()
