"""docs/getting-started.md, followed exactly as written on a fresh database, reaches its promise: the category the
example export brings in (mobile-app) is in assist mode and a customer's question about it waits as a draft in
the review queue.

The guide's commands run in bash against a live server (``tests/docs/runner.py``); the screen steps (7–10) are
done with a lead's session on the same URLs and forms the screens post, and every button or label the guide tells
the reader to click is checked on the page it names, so a renamed button breaks this test, not the reader.
"""

from __future__ import annotations

import json
import re

from django.test import Client

from apps.workflows.choices import DraftStatus, RolloutState
from apps.workflows.models import Category, Draft

from .markdown import DOCS, blocks
from .runner import problems, run_blocks, timings

GUIDE = DOCS / "getting-started.md"
DEMO_PASSWORD = "switchboard-demo"  # printed by `make run` (manage.py demo_logins)


def _page(client: Client, url: str, *labels: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    html = response.content.decode()
    for label in labels:
        assert label in html, f"the guide says to use {label!r}, which {url} does not show"
    return html


def _post(client: Client, url: str, data: dict | None = None) -> None:
    response = client.post(url, data or {})
    assert response.status_code in (200, 302), f"POST {url} answered {response.status_code}"


def test_getting_started_reaches_assist_with_a_draft_in_the_review_queue(docs_workspace, docs_db, tmp_path):
    # `make run` on a fresh database: the demo workspace (conftest.py; runs first on it, see there).
    assert not docs_workspace.guides_run, f"getting started must run on the fresh workspace: {docs_workspace}"
    docs_workspace.guides_run.add(GUIDE.name)

    runnable = [b for b in blocks(GUIDE) if b.runs]
    first_chat = next(i for i, b in enumerate(runnable) if "/api/v1/conversations/" in b.code)
    assert first_chat >= 4, "the guide imports, trains, audits and adds knowledge before the first chat"

    # Steps 3–6: import the export, train, read the audit, add the help article.
    outcomes = run_blocks(runnable[:first_chat], base_url=docs_workspace.url, tmp=tmp_path / "before")
    print(timings(outcomes))
    assert not problems(outcomes), "\n\n".join(problems(outcomes))
    category = Category.objects.get(slug="mobile-app")
    assert category.rollout_state == RolloutState.OFF

    # Step 2: log in as the lead.
    lead = Client()
    assert lead.login(username="lead", password=DEMO_PASSWORD)

    # Step 7: Workflows → Mobile app → New draft → edit the answer node as the guide shows.
    _page(lead, "/workflows/", "Mobile app")
    base = f"/workflows/{category.pk}"
    _page(lead, f"{base}/", "New draft", "Rollout", "Thresholds", "→ shadow")
    response = lead.post(f"{base}/versions/new/")
    assert response.status_code == 302 and response["Location"] == f"{base}/versions/1/"
    html = _page(lead, f"{base}/versions/1/", "Save node", "Preview a sample ticket", "Preview", "sandbox")
    assert 'data-node-id="answer"' in html and 'data-node-id="escalate"' in html
    answer_fields = next(b for b in blocks(GUIDE) if b.tag == "json" and "on_ungrounded" in b.code).code
    response = lead.post(
        f"{base}/versions/1/nodes/edit/", {"index": 0, "id": "answer", "fields": answer_fields}, HTTP_HX_REQUEST="true"
    )
    assert "The tree is valid." in response.content.decode()
    preview = lead.post(f"{base}/versions/1/preview/", {"text": "Does the iPhone app work offline?"})
    assert "mobile-app" in preview.content.decode()

    # Step 8: the sandbox: add the newest 10 tickets from history, run v1.
    _page(lead, f"{base}/versions/1/sandbox/", "Add a case", "Add from history", "Run v1 on the test set")
    _post(lead, f"{base}/versions/1/sandbox/cases/", {"from_history": "1", "limit": "10"})
    ran = lead.post(f"{base}/versions/1/sandbox/").content.decode()
    summary = re.search(r'sandbox-summary">v1: <strong>(\d+) / (\d+)</strong>', ran)
    assert summary and int(summary.group(2)) == 10

    # Step 9: thresholds 0.90 / 0.50 with the backtest, saved to the draft.
    labels = ("Thresholds of draft v1", "Auto-resolve at confidence", "Draft at confidence", "Save to draft v1")
    _page(lead, f"{base}/", *labels)
    backtest = lead.get(f"{base}/backtest/", {"auto": "0.90", "draft": "0.50", "version": "1"})
    assert backtest.status_code == 200 and "routed to mobile-app" in backtest.content.decode()
    _post(lead, f"{base}/versions/1/thresholds/", {"auto": "0.90", "draft": "0.50"})

    # Step 10: run the sandbox again, publish v1, then → shadow and → assist.
    _page(lead, f"{base}/versions/1/sandbox/", "Run v1 on the test set")
    assert "Publish v1" in lead.post(f"{base}/versions/1/sandbox/").content.decode()
    _post(lead, f"{base}/versions/1/publish/", {"change_note": "First version: answer from the help center"})
    card = lead.post(f"{base}/rollout/", {"state": "shadow"}, HTTP_HX_REQUEST="true")  # the Rollout card itself
    assert card.status_code == 200 and "→ assist" in card.content.decode()
    _post(lead, f"{base}/rollout/", {"state": "assist"})
    category.refresh_from_db()
    assert (category.rollout_state, category.auto_threshold, category.draft_threshold) == ("assist", 0.9, 0.5)

    # Step 11: the customer's question, then the drafts through the API.
    outcomes = run_blocks(runnable[first_chat:], base_url=docs_workspace.url, tmp=tmp_path / "after")
    print(timings(outcomes))
    assert not problems(outcomes), "\n\n".join(problems(outcomes))
    draft = Draft.objects.select_related("ticket").get(status=DraftStatus.PENDING, decision__category=category)
    assert "offline" in draft.body.lower()
    agent = Client()
    assert agent.login(username="agent", password=DEMO_PASSWORD)
    _page(agent, "/workflows/review/", "Review queue", "Mobile app")
    queue = _page(agent, "/workflows/review/?category=mobile-app", "What the AI knew", "Maria")
    assert f"draft-row-{draft.pk}" in queue
    listed = json.loads(outcomes[-1].output)
    assert listed["category"] == "mobile-app"
