"""The test front-end: serves branch.txt, proxies /api to its API, writes files on request."""

import http.server
import os
import urllib.request


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = b"ok"
        elif self.path == "/api":
            body = urllib.request.urlopen(os.environ["API_URL"] + "/", timeout=5).read()
        elif self.path.startswith("/write/"):
            name = self.path.removeprefix("/write/")
            with open(name, "w") as handle:
                handle.write("written by the container\n")
            body = b"written"
        else:
            with open("branch.txt", "rb") as handle:
                body = handle.read()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
