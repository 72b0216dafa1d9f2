"""WSGI entry point: ``gunicorn wsgi:app`` (each worker builds its app after the fork)."""

import gc
import logging

from kb import create_app

# under gunicorn, kb's warnings (an index rebuilt, content problems) go to its error log
_gunicorn = logging.getLogger("gunicorn.error")
if _gunicorn.handlers:
    logging.getLogger("kb").handlers = _gunicorn.handlers

app = create_app()

# what start-up made lives as long as the worker: keep it out of the garbage
# collector's full passes, which otherwise stall a request now and then
gc.freeze()
