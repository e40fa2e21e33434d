"""The test API: serves branch.txt, and reads and writes the shared Postgres, Redis and NATS
JetStream through the settings wtdock injects (DATABASE_URL, REDIS_URL, NATS_URL, EVENTS_*)."""

import http.server
import json
import os
import socket
import urllib.parse
import uuid

import psycopg2
import redis


class Nats:
    """Just enough of the NATS client protocol for JetStream requests and pull fetches."""

    def __init__(self, url):
        host, port = urllib.parse.urlparse(url).hostname, urllib.parse.urlparse(url).port or 4222
        self.sock = socket.create_connection((host, port), timeout=5)
        self.file = self.sock.makefile("rb")
        self.info = json.loads(self.file.readline().split(b" ", 1)[1])
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n')
        self.sid = 0

    def close(self):
        self.sock.close()

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError("nats closed the connection")
            if line.startswith(b"PING"):
                self.sock.sendall(b"PONG\r\n")
            elif line.startswith(b"-ERR"):
                raise RuntimeError(line.decode().strip())
            elif line.startswith(b"MSG"):
                size = int(line.split()[-1])
                return b"", self.file.read(size + 2)[:-2]
            elif line.startswith(b"HMSG"):
                parts = line.split()
                header_len, total = int(parts[-2]), int(parts[-1])
                blob = self.file.read(total + 2)[:-2]
                return blob[:header_len], blob[header_len:]

    def _subscribe(self):
        self.sid += 1
        inbox = f"_INBOX.{uuid.uuid4().hex}"
        self.sock.sendall(f"SUB {inbox} {self.sid}\r\n".encode())
        return inbox, self.sid

    def request(self, subject, payload):
        inbox, sid = self._subscribe()
        data = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
        self.sock.sendall(f"PUB {subject} {inbox} {len(data)}\r\n".encode() + data + b"\r\n")
        _, reply = self._read()
        self.sock.sendall(f"UNSUB {sid}\r\n".encode())
        answer = json.loads(reply)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def fetch(self, stream, consumer):
        inbox, sid = self._subscribe()
        data = json.dumps({"batch": 100, "no_wait": True}).encode()
        subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self.sock.sendall(f"PUB {subject} {inbox} {len(data)}\r\n".encode() + data + b"\r\n")
        messages = []
        while True:
            headers, body = self._read()
            if headers.startswith(b"NATS/1.0 4"):  # 404 no messages, 408 timeout: done
                break
            messages.append(body.decode())
        self.sock.sendall(f"UNSUB {sid}\r\n".encode())
        return messages


def events():
    prefix, stream = os.environ["EVENTS_PREFIX"], os.environ["EVENTS_STREAM"]
    client = Nats(os.environ["NATS_URL"])
    client.request(f"$JS.API.STREAM.CREATE.{stream}", {"name": stream, "subjects": [f"{prefix}.>"]})
    return client, prefix, stream


def database():
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    conn.autocommit = True
    return conn


def handle(path, query):
    if path == "/health":
        return "ok"
    if path == "/":
        with open("branch.txt") as handle:
            return handle.read()
    if path == "/check":
        with database() as conn, conn.cursor() as cur:
            cur.execute("select current_database()")
            db = cur.fetchone()[0]
        pong = redis.Redis.from_url(os.environ["REDIS_URL"]).ping()
        client, prefix, stream = events()
        client.close()
        return {"database": db, "redis": pong, "events": stream, "nats_server": client.info.get("server_name")}
    if path == "/db/put":
        with database() as conn, conn.cursor() as cur:
            cur.execute("create table if not exists kv (key text primary key, value text)")
            cur.execute("insert into kv values (%s, %s) on conflict (key) do update set value = excluded.value",
                        (query["key"], query["value"]))
        return "stored"
    if path == "/db/get":
        with database() as conn, conn.cursor() as cur:
            cur.execute("select to_regclass('kv') is not null")
            if not cur.fetchone()[0]:
                return {"table": False, "value": None}
            cur.execute("select value from kv where key = %s", (query["key"],))
            row = cur.fetchone()
        return {"table": True, "value": row[0] if row else None}
    if path == "/redis/set":
        redis.Redis.from_url(os.environ["REDIS_URL"]).set(query["key"], query["value"])
        return "stored"
    if path == "/redis/get":
        value = redis.Redis.from_url(os.environ["REDIS_URL"]).get(query["key"])
        return {"value": value.decode() if value else None}
    if path == "/events/publish":
        client, prefix, stream = events()
        ack = client.request(f"{prefix}.test", query["message"].encode())
        client.close()
        return ack
    if path == "/events/consume":
        client, prefix, stream = events()
        consumer = f"{stream}-reader"
        client.request(
            f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{consumer}",
            {"stream_name": stream, "config": {"durable_name": consumer, "ack_policy": "none"}},
        )
        messages = client.fetch(stream, consumer)
        client.close()
        return {"messages": messages}
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        try:
            result = handle(url.path, query)
            status = 404 if result is None else 200
        except Exception as err:  # the test reads the message
            result, status = {"error": f"{type(err).__name__}: {err}"}, 500
        body = result if isinstance(result, str) else json.dumps(result)
        self.send_response(status)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
