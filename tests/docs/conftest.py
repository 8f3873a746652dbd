"""One demo workspace and one live server for all the guides' examples (tests/docs).

Seeding the demo, starting a live server and flushing the database afterwards cost as much as a guide's examples
themselves, so the guides share them: ``docs_workspace`` seeds the demo once for the package (as ``make run`` does,
with 400 tickets instead of 2,500), adds the setup the guides say an admin did on the screens, starts one live
server on it, and flushes the database when the package's tests are done, exactly as a transactional test would,
so tests elsewhere in the suite see the empty database they expect.

Order: ``test_getting_started.py`` runs first (pytest runs modules in name order) on the freshly seeded workspace,
as the guide's reader starts from ``make run``; the other guides' examples run after it and depend on nothing it
changed (they import nothing and read the demo's own categories). Run alone, each test gets a fresh workspace.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.management import call_command

ZENDESK_SECRET = "zendesk-signing-secret"  # docs/api-guide.md "Incoming webhooks": the connection's Webhook secret


@dataclass
class Workspace:
    url: str  # the live server, e.g. http://localhost:41234
    guides_run: set[str]  # names of the guides whose examples already ran on this workspace


def _assumed_setup() -> None:
    """What the guides assume an admin set up on the screens before their examples."""
    from apps.integrations.connections import connection_set_credentials
    from apps.integrations.models import Connection

    zendesk = Connection.objects.create(kind=Connection.Kind.ZENDESK, name="Zendesk", enabled=True)
    connection_set_credentials(connection=zendesk, values={"webhook_secret": ZENDESK_SECRET})


def _flush() -> None:
    """What pytest-django's transactional_db does after a test: empty every table (post_migrate rows come back)."""
    from django.contrib.contenttypes.models import ContentType

    call_command("flush", verbosity=0, interactive=False)
    ContentType.objects.clear_cache()


@pytest.fixture(scope="package")
def docs_workspace(django_db_setup, django_db_blocker):
    """The seeded demo workspace and a live server on it, shared by the package's tests (see the module doc)."""
    from pytest_django.live_server_helper import LiveServer

    from apps.tickets.models import Ticket

    with django_db_blocker.unblock():
        if Ticket.objects.exists():  # an earlier run that died before its flush
            _flush()
        call_command("seed_demo", tickets=400, verbosity=0)  # `make run` seeds 2,500; 400 keep the tests fast
        call_command("connections_local", verbosity=0)
        _assumed_setup()
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield Workspace(url=server.url, guides_run=set())
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            _flush()


@pytest.fixture
def docs_db(django_db_blocker):
    """Database access for a test on ``docs_workspace`` (committed at once, as the live server and the guides'
    commands see it; no per-test transaction)."""
    with django_db_blocker.unblock():
        yield
