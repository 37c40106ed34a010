"""Servers on PostgreSQL: several started at once on an empty database create its schema once
(an advisory lock, since a file lock does not cross hosts). Runs in the PostgreSQL pass."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.databases import ON_POSTGRES
from workshop.store import open_store
from workshop.store.schema import migrations

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (WORKSHOP_TEST_DATABASE)")]


def test_servers_started_together_on_an_empty_database_create_its_schema_once(start_server, phones, new_database):
    database = new_database("empty")
    with ThreadPoolExecutor(3) as pool:
        servers = list(pool.map(lambda _: start_server("gevent", database), range(3)))
    session = servers[0].new_session()
    for server in servers:  # each one serves the session the first one created
        assert server.request("GET", f"/api/sessions/{session['code']}")[0] == 200
    store = open_store(database)
    try:
        assert store.database.applied_migrations() == migrations.names
        assert store.database.scalar("SELECT count(*) FROM workshop_migrations") == len(migrations.names)
    finally:
        store.close()
