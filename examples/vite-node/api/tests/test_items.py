"""The API's integration tests, against the running stack of the ticket they run in (wtdock's pytest
plugin): in a ticket's api worktree, `pytest tests` (or `pytest -n 4 tests` with pytest-xdist)."""

import json
import urllib.request

import psycopg2


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def test_the_api_serves_the_rows_of_the_tickets_own_database(wtdock_ticket):
    items = get_json(wtdock_ticket.url("api") + "/api/items")
    with psycopg2.connect(wtdock_ticket.env["DATABASE_URL"]) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_database(), count(*) FROM items")
        database, count = cur.fetchone()
    assert database == wtdock_ticket.database
    assert len(items) == count >= 3


def test_each_worker_writes_to_a_database_of_its_own(wtdock_database):
    # A clone of the ticket's database, migrated and seeded: this test's rows reach no one else.
    with psycopg2.connect(wtdock_database.url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM items")
        (seeded,) = cur.fetchone()
        cur.execute("INSERT INTO items (title) VALUES ('written by a test')")
        cur.execute("SELECT current_database(), count(*) FROM items")
        assert cur.fetchone() == (wtdock_database.name, seeded + 1)
    assert seeded >= 3
