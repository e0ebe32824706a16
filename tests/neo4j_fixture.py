"""Session-scoped pytest fixtures giving tests a real Neo4j 5.26 server over Bolt.

``neo4j_uri``
    * ``NEO4J_URI`` set: check that it answers (``verify_connectivity`` with
      ``neo4j_auth``) and return it.
    * otherwise: start the bundled server (``scripts/neo4j start``) on free
      loopback ports (Bolt and HTTP) with a throw-away ``LEGAL_KG_NEO4J_HOME``,
      and stop it (and delete that home) at the end of the session.

    If Neo4j cannot be reached or started the requesting tests are skipped, or
    *fail* when ``CI=true``: in CI the Neo4j tests must run, never skip.

``neo4j_driver``
    A ``neo4j.Driver`` connected to ``neo4j_uri`` (closed at session end).

``neo4j_auth``
    The ``(user, password)`` pair to connect with: ``NEO4J_USER`` (else ``neo4j``)
    and ``NEO4J_PASSWORD``, else the password ``scripts/neo4j`` generated and
    kept in the bundled server's home (authentication is on).

``neo4j_browser``
    The base URL (``http://127.0.0.1:PORT``) of the bundled server's web server
    (Neo4j Browser at ``/browser/``): the one this session started, or the one
    ``scripts/test.sh`` started (its ``LEGAL_KG_NEO4J_HOME``). Unavailable for a
    server of your own.

Use from ``tests/conftest.py``::

    from neo4j_fixture import neo4j_auth, neo4j_browser, neo4j_driver, neo4j_uri  # noqa: F401

The server is started at most once per test session, even if these fixtures are
registered in more than one place (conftest and a test module): the state is
kept in this module, not in the fixture definitions.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "neo4j"

# start = (first run only) Maven build + JVM start + wait for Bolt (<= 120 s in the script)
START_TIMEOUT_S = float(os.environ.get("LEGAL_KG_NEO4J_FIXTURE_TIMEOUT", "900"))
STOP_TIMEOUT_S = 120.0


def _auth(uri: str) -> tuple[str, str]:
    user = os.environ.get("NEO4J_USER", "neo4j")
    if "NEO4J_PASSWORD" in os.environ:
        return user, os.environ["NEO4J_PASSWORD"]
    if _SERVER.home is not None and _SERVER.uri == uri:
        return user, (_SERVER.home / "password").read_text(encoding="utf-8").strip()
    from kg.stores.neo4j import bundled_password

    return user, bundled_password(uri) or ""


def _http_port_of(home: Path, uri: str) -> int | None:
    """The HTTP port of the bundled server in ``home``, if it is the one at ``uri``."""
    try:
        if not uri.endswith(":" + (home / "neo4j.port").read_text().strip()):
            return None
        return int((home / "neo4j.http-port").read_text().strip())
    except (OSError, ValueError):
        return None


def _unavailable(reason: str):
    msg = f"Neo4j is not available: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _check_connectivity(uri: str) -> str | None:
    """None if ``uri`` answers, else a one-line reason."""
    try:
        from neo4j import GraphDatabase
    except ImportError as exc:  # pragma: no cover - neo4j is a project dependency
        return f"the 'neo4j' Python driver is not installed ({exc})"
    try:
        with GraphDatabase.driver(uri, auth=_auth(uri), connection_timeout=10) as driver:
            driver.verify_connectivity()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{uri} does not answer: {type(exc).__name__}: {exc}"
    return None


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def wait_for_login(uri: str, auth: tuple[str, str], timeout: float = 30.0) -> None:
    """Wait until ``auth`` logs in again: after a wrong password, Neo4j locks the user
    for a few seconds once it has failed three times in a row (auth_lock_time)."""
    import time

    from neo4j import GraphDatabase
    from neo4j.exceptions import ClientError

    deadline = time.monotonic() + timeout
    while True:
        try:
            with GraphDatabase.driver(uri, auth=auth) as driver:
                driver.verify_connectivity()
            return
        except ClientError as e:  # AuthError, or AuthenticationRateLimit while locked
            if not (e.code or "").startswith("Neo.ClientError.Security.") or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


class _BundledServer:
    """The one bundled server of this test session (reference counted)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self.uri: str | None = None
        self.failure: str | None = None
        self.home: Path | None = None
        self.http_port: int | None = None

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["LEGAL_KG_NEO4J_HOME"] = str(self.home)
        return env

    def acquire(self) -> str:
        with self._lock:
            if self.failure is not None:  # do not retry a failed start for every test
                _unavailable(self.failure)
            if self.uri is None:
                self._start()
            self._users += 1
            return self.uri  # type: ignore[return-value]

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users <= 0:
                self.stop()

    def _start(self) -> None:
        if not os.access(SCRIPT, os.X_OK):
            self.failure = f"{SCRIPT} is missing or not executable"
            _unavailable(self.failure)
        self.home = Path(tempfile.mkdtemp(prefix="legal-kg-neo4j-"))
        port, self.http_port = _free_port(), _free_port()
        cmd = [str(SCRIPT), "start", "--port", str(port), "--http-port", str(self.http_port),
               "--home", str(self.home)]
        try:
            proc = subprocess.run(
                cmd,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=START_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            self.stop(keep_home=True)
            self.failure = (
                f"'scripts/neo4j start' did not finish within {START_TIMEOUT_S:.0f} s "
                f"(logs in {self.home}/logs)"
            )
            _unavailable(self.failure)
        if proc.returncode != 0:
            self.failure = (
                f"'scripts/neo4j start' exited with {proc.returncode} "
                f"(logs in {self.home}/logs):\n{_tail(proc.stderr)}"
            )
            self.stop(keep_home=True)
            _unavailable(self.failure)
        lines = proc.stdout.strip().splitlines()
        uri = lines[-1].strip() if lines else f"bolt://127.0.0.1:{port}"
        atexit.register(self.stop)  # belt and braces if the session dies early
        self.uri = uri  # so that _auth finds this home's password
        reason = _check_connectivity(uri)
        if reason is not None:
            self.failure = f"bundled server started but {reason}"
            self.stop(keep_home=True)
            _unavailable(self.failure)

    def stop(self, keep_home: bool = False) -> None:
        home = self.home
        if home is None:
            return
        if home.is_dir():
            try:
                subprocess.run(
                    [str(SCRIPT), "stop", "--home", str(home)],
                    env=self._env(),
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=STOP_TIMEOUT_S,
                )
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.uri = None
        if not keep_home:
            shutil.rmtree(home, ignore_errors=True)
            self.home = None


_SERVER = _BundledServer()


@pytest.fixture(scope="session")
def neo4j_auth(neo4j_uri) -> tuple[str, str]:
    return _auth(neo4j_uri)


@pytest.fixture(scope="session")
def neo4j_browser(neo4j_uri) -> str:
    if _SERVER.uri == neo4j_uri:
        port = _SERVER.http_port
    else:
        home = os.environ.get("LEGAL_KG_NEO4J_HOME")
        port = _http_port_of(Path(home), neo4j_uri) if home else None
    if port is None:
        _unavailable(f"{neo4j_uri} is not the bundled server (scripts/neo4j), which serves Neo4j Browser")
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def neo4j_uri():
    external = os.environ.get("NEO4J_URI", "").strip()
    if external:
        reason = _check_connectivity(external)
        if reason is not None:
            _unavailable(f"NEO4J_URI is set but {reason}")
        yield external
        return
    uri = _SERVER.acquire()
    try:
        yield uri
    finally:
        _SERVER.release()


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_uri, neo4j_auth):
    from neo4j import GraphDatabase

    driver = GraphDatabase.driver(neo4j_uri, auth=neo4j_auth)
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def neo(neo4j_uri, neo4j_auth):
    """An empty Neo4j store (kg.stores.neo4j) on the test server."""
    from kg.stores.neo4j import Neo4jStore

    store = Neo4jStore(neo4j_uri, *neo4j_auth)
    store.init()
    store.clear()
    yield store
    store.close()
