"""Real HTTP on loopback for tests: an ASGI app under uvicorn, plain ``http.server`` handlers
(:class:`LoopbackServer`), and a bait server that counts visits."""
from __future__ import annotations

import http.server
import json
import socket
import threading
import time

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    """An ASGI app served by uvicorn in a background thread, stopped on exit; yields its base URL."""

    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert self.thread.is_alive(), "server failed to start"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(15)


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that logs nothing (tests read what they need from the server)."""

    def log_message(self, *args):
        pass


class LoopbackServer:
    """An ``http.server`` on a free loopback port serving ``handler`` from a background thread while
    the ``with`` block runs (which gives the server); ``url`` is its base URL, ending in ``path``."""

    def __init__(self, handler: type[http.server.BaseHTTPRequestHandler], path: str = ""):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{path}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(15)


class BaitServer(LoopbackServer):
    """A loopback HTTP server that answers anything with a SPARQL result holding ``MARKER``
    and records every request: a query that makes the endpoint reach out shows up in ``visits``."""

    MARKER = "bait-server-answer"

    def __init__(self):
        visits: list[tuple[str, str]] = []
        self.visits = visits
        marker = self.MARKER

        class Handler(QuietHandler):
            def _answer(self):
                visits.append((self.command, self.path))
                body = json.dumps({"head": {"vars": ["x", "y", "z"]},
                                   "results": {"bindings": [{"x": {"type": "literal", "value": marker}}]}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

        super().__init__(Handler)
