"""WSGI entry point: ``gunicorn wsgi:app`` (each worker builds its app after the fork)."""

import contextlib
import ctypes
import gc
import logging

from kb import create_app
from kb.web.collector import CollectBetweenRequests

# under gunicorn, kb's warnings (an index rebuilt, content problems) go to its error log
_gunicorn = logging.getLogger("gunicorn.error")
if _gunicorn.handlers:
    logging.getLogger("kb").handlers = _gunicorn.handlers

app = create_app()

# what start-up made lives as long as the worker: keep it out of the garbage
# collector's full passes, which otherwise stall a request now and then
gc.collect()
gc.freeze()

# start-up reads every article once (reconcile); hand the memory it freed back to
# the system instead of keeping it in the worker (about 35 MB a worker at 10k articles)
with contextlib.suppress(OSError, AttributeError):  # glibc only
    ctypes.CDLL("libc.so.6").malloc_trim(0)

# and the full passes over what requests add (the caches) run after a response is sent
app.wsgi_app = CollectBetweenRequests(app.wsgi_app)
