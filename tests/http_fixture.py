"""Real HTTP on loopback for tests: an ASGI app under uvicorn, and a bait server that counts visits."""
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


class BaitServer:
    """An HTTP server on loopback that answers anything with a SPARQL result holding ``MARKER``
    and records every request: a query that makes the endpoint reach out shows up in ``visits``."""

    MARKER = "bait-server-answer"

    def __init__(self):
        visits = self.visits = []
        marker = self.MARKER

        class Handler(http.server.BaseHTTPRequestHandler):
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

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
