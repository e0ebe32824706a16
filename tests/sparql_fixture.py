"""Session-scoped fixtures giving tests real SPARQL servers: Apache Jena Fuseki and the Oxigraph server.

``sparql_server`` (parametrized: ``fuseki``, ``oxigraph``)
    A running :class:`Server`, started at most once per test session with the
    project's own script (``scripts/fuseki start`` / ``scripts/oxigraph
    start``) on a free loopback port with a throw-away home, and stopped (its
    home deleted) at the end of the session. Fuseki is started requiring HTTP
    basic credentials, which the fixture puts in the environment
    (``LEGAL_KG_SPARQL_USER`` / ``LEGAL_KG_SPARQL_PASSWORD``) for each test; the
    Oxigraph server has no authentication. Each test starts on an empty dataset.

If a server cannot be started the requesting tests are skipped, or *fail*
when ``CI=true``: in CI they must run, never skip.
"""
from __future__ import annotations

import atexit
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = float(os.environ.get("LEGAL_KG_SPARQL_FIXTURE_TIMEOUT", "600"))  # a first Maven fetch included


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


class Server:
    """One server started by its script: ``url`` to give --store, ``credentials`` to put in the environment."""

    def __init__(self, name: str, credentials: dict[str, str], env: dict[str, str] | None = None):
        self.name = name
        self.script = REPO / "scripts" / name
        self.credentials = credentials
        self.env = env or {}  # more settings for its script (e.g. OXIGRAPH_QUERY_TIMEOUT)
        self.home = Path(tempfile.mkdtemp(prefix=f"legal-kg-{name}-"))
        self.port = free_port()
        self.url: str | None = None
        self.failure: str | None = None

    def _run(self, *args: str, timeout: float) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEGAL_KG_SPARQL_")}
        env.update(self.credentials)
        env.update(self.env)
        # Queries a test gives up on (timeouts) stop on the server soon too.
        env.setdefault("FUSEKI_QUERY_TIMEOUT", "10")
        env.setdefault("OXIGRAPH_QUERY_TIMEOUT", "10")
        return subprocess.run([str(self.script), *args, "--home", str(self.home)], env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)

    def start(self) -> str:
        """Start (or find running) the server; its URL."""
        try:
            proc = self._run("start", "--port", str(self.port), timeout=START_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"scripts/{self.name} start did not finish within {START_TIMEOUT_S:.0f} s") from None
        if proc.returncode != 0:
            raise RuntimeError(f"scripts/{self.name} start exited with {proc.returncode}: {proc.stderr.strip()[-800:]}")
        self.url = proc.stdout.strip().splitlines()[-1]
        return self.url

    def kill(self) -> None:
        """SIGKILL the server: it goes away without a word, as a crashed machine's would."""
        pid = int((self.home / f"{self.name}.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                return  # gone
            if state in ("Z", "X"):
                return  # dead, waiting to be reaped by its parent
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} (pid {pid}) did not die after SIGKILL")

    def stop(self) -> None:
        try:
            self._run("stop", timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.home, ignore_errors=True)


_SERVERS: dict[str, Server] = {}


def get_server(name: str) -> Server:
    """The session's server ``name``, started on first use."""
    server = _SERVERS.get(name)
    if server is None:
        credentials = {}
        if name == "fuseki":
            credentials = {"LEGAL_KG_SPARQL_USER": "legal-kg-test",
                           "LEGAL_KG_SPARQL_PASSWORD": secrets.token_urlsafe(12) + " :,#é"}
        server = _SERVERS[name] = Server(name, credentials)
        atexit.register(server.stop)
        try:
            server.start()
        except RuntimeError as e:
            server.failure = str(e)
    if server.failure:
        unavailable(f"{name} is not available: {server.failure}")
    return server


@pytest.fixture(scope="session", autouse=False)
def _stop_servers():
    yield
    for server in _SERVERS.values():
        server.stop()
    _SERVERS.clear()


@pytest.fixture(params=["fuseki", "oxigraph"])
def sparql_server(request, monkeypatch, _stop_servers) -> Server:
    """A running server, its dataset empty, its credentials in the environment."""
    from kg.stores.sparql import CREDENTIAL_VARIABLES, SparqlStore

    server = get_server(request.param)
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in server.credentials.items():
        monkeypatch.setenv(name, value)
    with SparqlStore(server.url) as store:
        store.clear()
    return server
