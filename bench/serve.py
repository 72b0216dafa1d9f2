"""Start the real thing for benchmarks and tests: users, tokens, gunicorn, nginx (loopback only).

Used by ``bench/load.py``, ``bench/propagation.py`` and the tests that run a
real server (``tests/test_gunicorn.py``, ``tests/test_nginx.py``). Nothing
here imports the app: every server is a separate process started from the
command line, as in production.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# gunicorn's access log: path, microseconds, status (the benchmark's "server time")
ACCESS_FORMAT = "%(U)s %(D)s %(s)s"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kb_env(content_dir: Path, data_dir: Path, **settings: str) -> dict[str, str]:
    """Return an environment for ``kb`` and gunicorn over these folders."""
    env = {**os.environ, "KB_CONTENT_DIR": str(content_dir), "KB_DATA_DIR": str(data_dir)}
    env.update({f"KB_{k}": str(v) for k, v in settings.items()})
    return env


def kb(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run the ``kb`` command; return its standard output."""
    done = subprocess.run(
        [str(BIN / "kb"), *args],
        env=env,
        cwd=REPO,
        input=stdin,
        text=True,
        capture_output=True,
    )
    if done.returncode:
        raise RuntimeError(f"kb {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def make_token(env: dict[str, str], name: str, role: str) -> str:
    """Create a user with ``role`` and return a new API token of theirs."""
    password = "bench-password-1"
    kb(env, "users", "create", name, "--role", role, stdin=f"{password}\n{password}\n")
    return kb(env, "tokens", "create", name).strip().splitlines()[-1]


def http(
    url: str,
    *,
    token: str | None = None,
    method: str = "GET",
    body: dict | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, dict[str, str], str]:
    """Make one request; return status, headers and text (errors included, never raised)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as exc:
        text = exc.read().decode()
        exc.close()
        return exc.code, dict(exc.headers), text


@dataclass
class Server:
    """A running server on loopback."""

    process: subprocess.Popen
    base: str
    log: Path
    access_log: Path | None = None
    extra: dict = field(default_factory=dict)

    def worker_pids(self) -> list[int]:
        """Return the pids of the master's worker processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def worker_rss_mb(self) -> list[float]:
        """Return the resident memory of each worker in MB."""
        return [m["VmRSS"] for m in self.worker_memory_mb()]

    def worker_memory_mb(self) -> list[dict[str, float]]:
        """Return each worker's resident memory in MB: ``VmRSS`` and its parts.

        ``RssAnon`` is the worker's own heap (and what it shares with the
        master since the fork); ``RssFile`` is pages of mapped files, mostly
        the index segments, which the page cache holds once for all workers.
        """
        found = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            sizes = {}
            for line in status.splitlines():
                name, _, value = line.partition(":")
                if name in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    sizes[name] = int(value.split()[0]) / 1024
            if "VmRSS" in sizes:
                found.append(sizes)
        return found


def _stop(process: subprocess.Popen, sig: int, grace: float) -> None:
    """Ask a server to stop with ``sig``; kill it after ``grace`` seconds."""
    process.send_signal(sig)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait(base: str, process: subprocess.Popen, log: Path, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            status, _, _ = http(base + path, timeout=2)
            if status < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"server did not start in {timeout:.0f}s:\n{log.read_text()[-3000:]}"
            )
        time.sleep(0.2)


@contextmanager
def gunicorn(
    env: dict[str, str],
    *,
    workers: int = 2,
    app: str = "wsgi:app",
    log_dir: Path,
    access_log: bool = False,
    ready_path: str = "/en/",
    timeout: float = 180,
    threads: int = 1,
) -> Iterator[Server]:
    """Run ``gunicorn -w workers app`` on a free loopback port until the block ends."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"gunicorn-{port}.log"
    args = [
        str(BIN / "gunicorn"),
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--error-logfile",
        str(log),
    ]
    access = None
    if access_log:
        access = log_dir / f"access-{port}.log"
        args += ["--access-logfile", str(access), "--access-logformat", ACCESS_FORMAT]
    process = subprocess.Popen(
        [*args, app], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, process, log, ready_path, timeout)
        yield Server(process, base, log, access)
    finally:
        _stop(process, signal.SIGTERM, 30)


NGINX_CONF = """\
{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    log_format cache '$request_uri $upstream_cache_status $status $upstream_addr';
    access_log {root}/access.log cache;
{body}
}}
"""


def nginx_http_block(upstreams: list[str], port: int, root: Path) -> str:
    """Return the ``http`` block that docs/scaling.md documents (loopback ports filled in)."""
    servers = "\n".join(f"        server {u};" for u in upstreams)
    return textwrap.indent(
        textwrap.dedent(
            f"""\
            proxy_cache_path {root}/cache levels=1:2 keys_zone=kb:10m max_size=1g inactive=10m;
            upstream kb_nodes {{
                # the same URL goes to the same node, so revalidations meet the same ETags
                hash $request_uri consistent;
            {servers}
            }}
            server {{
                listen 127.0.0.1:{port};
                location / {{
                    proxy_pass http://kb_nodes;
                    proxy_set_header Host $host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_cache kb;
                    # honour the app's Cache-Control (public, s-maxage=1) and revalidate
                    # expired pages with If-None-Match: a 304 keeps serving the cached copy
                    proxy_cache_revalidate on;
                    proxy_cache_lock on;
                    # signed-in people never get or fill a shared copy
                    proxy_cache_bypass $cookie_session $http_authorization;
                    proxy_no_cache $cookie_session $http_authorization;
                    add_header X-Cache-Status $upstream_cache_status always;
                }}
            }}
            """
        ),
        "    ",
    )


@contextmanager
def nginx(upstreams: list[str], root: Path) -> Iterator[Server]:
    """Run Debian's nginx on a free loopback port in front of ``upstreams`` (host:port)."""
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(exe).exists():
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    port = free_port()
    for sub in ("tmp", "cache"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    conf = root / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            # as root, nginx's workers would drop to nobody, who cannot read a private temp folder
            user="user root root;\n" if os.geteuid() == 0 else "",
            root=root,
            body=nginx_http_block(upstreams, port, root),
        ),
        encoding="utf-8",
    )
    log = root / "error.log"
    log.touch()
    with log.open("ab") as errors:  # start-up errors go to stderr, before error_log applies
        process = subprocess.Popen(
            [exe, "-c", str(conf), "-p", str(root)], stdout=subprocess.DEVNULL, stderr=errors
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, process, log, "/en/", 30)
        yield Server(process, base, log, root / "access.log")
    finally:
        _stop(process, signal.SIGQUIT, 10)  # nginx's graceful stop
