"""``manage.py triage`` on a trained workspace, and the triage task through a real django-q2 cluster."""

import json
import os
import signal
import subprocess
import sys
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django_q.conf import Conf

from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket
from apps.workflows.choices import Outcome
from apps.workflows.classifier import classifier_version_activate, get_active_classifier
from apps.workflows.models import ClassifierVersion, Decision
from apps.workflows.services.triage import ticket_triage_enqueue
from tests.factories import MessageFactory, TicketFactory
from tests.workflows.test_triage import CONFIDENT, categories, clf, make_ticket, training_set  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def model_dir(clf, tmp_path_factory):  # noqa: F811 (fixture from test_triage)
    """The module's classifier saved once, as ``train_classifier`` saves one (``VAR_DIR/classifier/…``)."""
    folder = tmp_path_factory.mktemp("var")
    clf.save(folder / "classifier" / "test.joblib")
    return folder


@pytest.fixture
def trained(categories, clf, model_dir, settings):  # noqa: F811
    """Labelled history (one ticket per training text, to be triaged) and the saved classifier as the active
    ``ClassifierVersion``, loaded from its file by ``get_active_classifier`` like in production."""
    settings.VAR_DIR = model_dir
    texts, labels = training_set(seed=1)
    for text, label in list(zip(texts, labels, strict=True))[::3]:
        ticket = TicketFactory(labelled_category=categories[label], subject="", contact=None, organization=None)
        MessageFactory(ticket=ticket, body=text, author_kind=AuthorKind.CUSTOMER)
    version = ClassifierVersion.objects.create(
        model_name=clf.model_name, path="classifier/test.joblib", labels=clf.labels
    )
    return classifier_version_activate(version=version)


def test_triage_command_json_summary(trained, categories):  # noqa: F811
    fresh = [make_ticket(CONFIDENT), make_ticket("I want a refund, this is useless")]
    out = StringIO()

    call_command("triage", "--all", "--json", "--batch-size", "40", stdout=out)

    summary = json.loads(out.getvalue())
    assert {"total", "by_outcome", "by_category", "tickets_per_s"} <= set(summary)
    assert summary["total"] == Ticket.objects.count() == Decision.objects.count()
    assert sum(summary["by_outcome"].values()) == sum(summary["by_category"].values()) == summary["total"]
    assert set(summary["by_category"]) <= {*categories, "(none)"}
    assert summary["tickets_per_s"] > 0 and summary["sent"] == summary["by_outcome"].get("resolve", 0)
    assert Decision.objects.get(ticket=fresh[1]).outcome == Outcome.ESCALATE

    again = StringIO()
    call_command("triage", "--json", stdout=again)
    assert json.loads(again.getvalue())["total"] == 0  # nothing left without a Decision


def test_triage_command_table_and_limit(trained):
    make_ticket(CONFIDENT)
    out = StringIO()

    call_command("triage", "--limit", "5", stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert text.startswith("Triaged 5 tickets") and "tickets/s" in text and "outcome" in text
    assert Decision.objects.count() == 5


@pytest.fixture
def qcluster(trained, monkeypatch):
    """A real ``manage.py qcluster`` on the test database; tasks are enqueued, not run in-process."""
    monkeypatch.setattr(Conf, "SYNC", False)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DB_NAME": db["NAME"],
        "DB_HOST": db["HOST"],
        "Q_SYNC": "0",
        "Q_WORKERS": "1",
        "SWITCHBOARD_VAR_DIR": str(settings.VAR_DIR),
    }
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


@pytest.mark.django_db(transaction=True)
def test_triage_task_runs_on_a_real_cluster(trained, categories, qcluster):  # noqa: F811
    assert get_active_classifier().predict([CONFIDENT])[0].confidence >= 0.9
    with transaction.atomic():
        ticket = make_ticket(CONFIDENT)
        ticket_triage_enqueue(ticket_id=ticket.pk)  # enqueued when this transaction commits

    deadline = time.monotonic() + 60
    while not Decision.objects.filter(ticket=ticket).exists():
        assert qcluster.poll() is None, qcluster.stdout.read().decode()[-3000:]
        assert time.monotonic() < deadline, "the cluster did not triage the ticket within 60 s"
        time.sleep(0.2)

    decision = Decision.objects.get(ticket=ticket)
    assert decision.outcome == Outcome.RESOLVE and decision.sent
    assert decision.category.slug == "password-reset"
    assert Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).count() == 1


@pytest.mark.django_db(transaction=True)
def test_triage_command_with_two_worker_processes(trained, categories):  # noqa: F811
    """Run in its own process, as an operator would: forking worker processes out of the test runner (which has
    threads: browser sessions, live servers) can deadlock the children."""
    extra = [make_ticket(CONFIDENT) for _ in range(3)]
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DB_NAME": db["NAME"],
        "DB_HOST": db["HOST"],
        "SWITCHBOARD_VAR_DIR": str(settings.VAR_DIR),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "triage", "--all", "--json", "--workers", "2", "--batch-size", "25"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]

    summary = json.loads(done.stdout)
    assert summary["total"] == Ticket.objects.count() == Decision.objects.count()
    assert Decision.objects.filter(ticket__in=extra).count() == 3
    assert sum(summary["by_outcome"].values()) == summary["total"]
