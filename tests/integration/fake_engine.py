"""An engine that answers its ping and fails every other call with a 500: what a daemon in
trouble looks like to wtdock (the API answers, the work fails)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MESSAGE = "fake engine: nothing works today"


class _Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        path = self.path.split("?")[0]
        if path.endswith("/_ping"):
            self._send(200, b"OK", "text/plain")
        elif path.endswith("/version"):
            self._send(200, json.dumps({"Version": "26.1.5", "ApiVersion": "1.45"}).encode(), "application/json")
        else:
            self._send(500, json.dumps({"message": MESSAGE}).encode(), "application/json")

    def _send(self, code: int, body: bytes, kind: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Api-Version", "1.45")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = do_HEAD = _answer

    def log_message(self, *_: object) -> None:
        return None


@contextmanager
def failing_engine() -> Iterator[str]:
    """A DOCKER_HOST value for an engine whose every call but the ping fails."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
