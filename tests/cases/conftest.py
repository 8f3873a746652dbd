"""A seeded demo workspace for the failure cases: seeded once for this package inside a transaction that is rolled
back at its end, so nothing leaks into other tests (each test and each case runs in a savepoint)."""

import pytest
from django.db import transaction
from django.test.utils import override_settings

from apps.core.demo.seeder import demo_workspace_seed

DEMO_TICKETS = 2500  # the size ``manage.py seed_demo`` uses: the same classifier as the command's runs


@pytest.fixture(scope="package")
def demo_workspace(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo workspace (users, queues, categories, accounts, history, knowledge, trained classifier); the
    classifier file goes to a temporary ``VAR_DIR``."""
    var = tmp_path_factory.mktemp("var")
    with django_db_blocker.unblock(), override_settings(VAR_DIR=var), transaction.atomic():
        summary = demo_workspace_seed(tickets=DEMO_TICKETS, seed=42)
        failed = [step for step in summary.steps if "failed" in step[1] or "skipped" in step[1]]
        assert not failed, failed
        yield summary
        transaction.set_rollback(True)
