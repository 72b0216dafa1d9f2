"""The HTTP floor: the smallest Flask app, served by the same gunicorn settings as the knowledge base.

``bench/load.py`` drives ``GET /ping`` here with the same load generator, so
each channel's throughput can be quoted as a share of what Flask under
gunicorn can do at all on this machine.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/ping")
def ping() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain"}


@app.get("/en/")
def ready() -> str:  # the readiness probe of bench/serve.py asks here
    return "ok"
