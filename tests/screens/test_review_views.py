"""The review queue screen: page, fragments, actions through HTMX, filters with counts, query budget."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client

from apps.escalation.models import Handoff
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message
from apps.workflows.choices import DraftStatus
from apps.workflows.models import Draft
from tests.factories import CategoryFactory
from tests.screens.conftest import make_draft, make_many_drafts

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true", "HX-Target": "draft-detail"}
HX_LIST = {"HX-Request": "true", "HX-Target": "draft-list"}


def test_page_lists_drafts_and_shows_what_the_ai_knew(agent_client, draft):
    html = agent_client.get("/workflows/review/").content.decode()

    assert f'id="draft-row-{draft.pk}"' in html
    assert "Where can I download my invoice?" in html
    assert 'data-testid="pending-total">1<' in html
    # the draft view: conversation, draft text, category and confidence, runner-ups, trace, why a draft
    assert "last month&#x27;s invoice as a PDF" in html
    assert "Settings → Billing → Invoices" in html
    assert "billing/refund" in html and "0.12" in html
    assert "classified as billing/invoice-copy (0.74)" in html
    assert "KB-212" in html
    assert "below the auto threshold 0.90" in html
    assert 'hx-trigger="every 10s"' in html
    assert "js/review_queue.js" in html


def test_queue_is_sorted_by_sla_due_time(agent_client, category):
    free = make_draft(category=category, tier="free", subject="Free tier question")
    enterprise = make_draft(category=category, tier="enterprise", subject="Enterprise question")
    pro = make_draft(category=category, tier="pro", subject="Pro question")
    html = agent_client.get("/workflows/review/").content.decode()
    order = [int(i) for i in re.findall(r'id="draft-row-(\d+)"', html)]
    assert order == [enterprise.pk, pro.pk, free.pk]  # 1 h, 4 h, 24 h first-response targets


def test_filters_narrow_the_list_and_counts_follow_the_other_filters(agent_client):
    make_many_drafts(12)
    html = agent_client.get("/workflows/review/?tier=enterprise&channel=chat").content.decode()
    rows = re.findall(r'id="draft-row-(\d+)"', html)
    drafts = Draft.objects.filter(pk__in=rows).select_related("ticket__organization")
    assert len(rows) == 2
    assert all(d.ticket.organization.tier == "enterprise" and d.ticket.channel == "chat" for d in drafts)
    # tier counts apply the channel filter only: 6 chat drafts, 2 per tier
    tier_facet = html.split('data-facet="tier"')[1].split("</div>")[0]
    assert re.findall(r'<span class="count">(\d+)</span>', tier_facet) == ["2", "2", "2"]
    # channel counts apply the tier filter only: 4 enterprise drafts, 2 per channel
    channel_facet = html.split('data-facet="channel"')[1].split("</div>")[0]
    assert sorted(re.findall(r'<span class="count">(\d+)</span>', channel_facet)) == ["2", "2"]
    assert "<strong>2</strong> match" in html


def test_polling_returns_the_list_fragment_with_counts_out_of_band(agent_client, draft):
    response = agent_client.get("/workflows/review/", headers={"HX-Request": "true", "HX-Target": "draft-list"})
    html = response.content.decode()
    assert html.startswith('\n<section id="draft-list"') or html.lstrip().startswith('<section id="draft-list"')
    assert "<html" not in html
    assert 'id="queue-counts" class="facets" hx-swap-oob="true"' in html
    assert f'id="draft-row-{draft.pk}"' in html


def test_detail_fragment(agent_client, draft):
    response = agent_client.get(f"/workflows/review/{draft.pk}/", headers=HX)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<section id="draft-detail" class="draft-detail" data-draft-id="{draft.pk}"')
    assert "<html" not in html
    assert agent_client.get("/workflows/review/999999/").status_code == 404


def test_htmx_approve_returns_next_draft_and_updates_counts_and_list(agent_client, category):
    first = make_draft(category=category, tier="enterprise")
    second = make_draft(category=category, tier="pro")
    response = agent_client.post(f"/workflows/review/{first.pk}/approve/", {"version": 1}, headers=HX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<section id="draft-detail" class="draft-detail" data-draft-id="{second.pk}"')
    assert 'data-testid="pending-total">1<' in html  # counters out of band
    assert f'<div id="draft-row-{first.pk}" hx-swap-oob="delete"></div>' in html
    assert "Sent the AI&#x27;s reply" in html
    assert response.headers["HX-Push-Url"] == f"/workflows/review/{second.pk}/"
    first.refresh_from_db()
    assert first.status == DraftStatus.APPROVED


def test_htmx_edit_and_reject(agent_client, category):
    first = make_draft(category=category)
    second = make_draft(category=category)
    edit = {"version": 1, "body": "Edited reply"}
    response = agent_client.post(f"/workflows/review/{first.pk}/edit/", edit, headers=HX)
    assert response.status_code == 200
    first.refresh_from_db()
    assert (first.status, first.sent_body) == (DraftStatus.EDITED, "Edited reply")

    response = agent_client.post(
        f"/workflows/review/{second.pk}/reject/",
        {"version": 1, "reason": "missing_info", "note": "needs invoice id"},
        headers=HX,
    )
    assert response.status_code == 200
    assert "Nothing to review" in response.content.decode()
    second.refresh_from_db()
    assert second.status == DraftStatus.REJECTED
    assert Handoff.objects.get(ticket=second.ticket).queue.slug == "billing"


def test_invalid_edit_keeps_the_text_and_the_draft(agent_client, draft):
    response = agent_client.post(f"/workflows/review/{draft.pk}/edit/", {"version": 1, "body": "   "}, headers=HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "The edited reply is empty" in html
    assert f'data-draft-id="{draft.pk}"' in html
    assert 'id="edit-form" class="subform"' in html and 'id="edit-form" class="subform" method="post" action' in html
    assert not re.search(r'id="edit-form"[^>]*\shidden', html)  # the editor stays open
    draft.refresh_from_db()
    assert draft.status == DraftStatus.PENDING


def test_conflict_is_shown_as_a_message(client, agent_user, lead_user, draft):
    agent, lead = Client(), Client()
    agent.force_login(agent_user)
    lead.force_login(lead_user)
    assert agent.post(f"/workflows/review/{draft.pk}/approve/", {"version": 1}, headers=HX).status_code == 200
    response = lead.post(f"/workflows/review/{draft.pk}/approve/", {"version": 1}, headers=HX)

    assert response.status_code == 409
    html = response.content.decode()
    assert "already handled by agent1" in html
    assert 'data-testid="draft-status">Approved and sent<' in html
    assert Message.objects.filter(ticket=draft.ticket, author_kind=AuthorKind.AI).count() == 1


def test_plain_form_post_redirects_with_a_message(agent_client, draft):
    response = agent_client.post(f"/workflows/review/{draft.pk}/approve/?tier=pro", {"version": 1}, follow=True)
    assert response.redirect_chain[0] == ("/workflows/review/?tier=pro", 302)
    assert "Sent the AI&#x27;s reply on ticket" in response.content.decode()
    response = agent_client.post(f"/workflows/review/{draft.pk}/approve/", {"version": 1}, follow=True)
    assert "already handled" in response.content.decode()


def test_missing_version_is_refused(agent_client, draft):
    response = agent_client.post(f"/workflows/review/{draft.pk}/approve/", {}, headers=HX)
    assert response.status_code == 422
    assert "missing the draft version" in response.content.decode()


def _queries_for_page(client, django_assert_max_num_queries, budget):
    with django_assert_max_num_queries(budget) as captured:
        response = client.get("/workflows/review/")
    assert response.status_code == 200
    return len(captured.captured_queries), response


QUERY_BUDGET = 9  # session, user, list, counts, snoozed list, selected draft, its messages, categories, opened_at


def test_queue_page_stays_within_a_fixed_query_budget(agent_client, django_assert_max_num_queries):
    make_many_drafts(20)
    small, _ = _queries_for_page(agent_client, django_assert_max_num_queries, QUERY_BUDGET)
    make_many_drafts(180)
    large, response = _queries_for_page(agent_client, django_assert_max_num_queries, QUERY_BUDGET)
    assert small == large  # the count does not grow with the queue
    assert 'data-testid="pending-total">200<' in response.content.decode()
    assert len(re.findall(r'class="draft-row', response.content.decode())) == 50  # the first 50 are listed


@pytest.mark.django_db(transaction=True)
def test_two_agents_approving_at_once_send_one_message(agent_user, lead_user):
    draft = make_draft()
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def approve(user):
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            response = client.post(f"/workflows/review/{draft.pk}/approve/", {"version": 1}, headers=HX)
            results[user.username] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (agent_user, lead_user)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(results.values()) == [200, 409]
    draft.refresh_from_db()
    assert draft.status == DraftStatus.APPROVED and draft.version == 2
    winner = next(name for name, code in results.items() if code == 200)
    assert draft.reviewed_by.username == winner
    assert Message.objects.filter(ticket=draft.ticket, author_kind=AuthorKind.AI).count() == 1


def test_a_draft_open_by_one_agent_shows_as_taken_to_the_others(agent_user, lead_user, category):
    first = make_draft(category=category, tier="enterprise")
    second = make_draft(category=category, tier="pro")
    agent, lead = Client(), Client()
    agent.force_login(agent_user)
    lead.force_login(lead_user)

    agent_html = agent.get("/workflows/review/").content.decode()
    assert f'data-draft-id="{first.pk}" data-version' in agent_html  # the agent gets the first draft
    assert "has it open" not in agent_html

    lead_html = lead.get("/workflows/review/").content.decode()
    row = lead_html.split(f'id="draft-row-{first.pk}"')[1].split("</a>")[0]
    assert "agent1 has it open" in row and "is-taken" in lead_html
    assert f'data-draft-id="{second.pk}" data-version' in lead_html  # the lead is given the next free draft

    lead_detail = lead.get(f"/workflows/review/{first.pk}/", headers=HX).content.decode()
    assert "agent1 has this draft open." in lead_detail

    # the agent's poll keeps the marker; acting on the draft releases it
    poll = agent.get(
        f"/workflows/review/?viewing={first.pk}", headers={"HX-Request": "true", "HX-Target": "draft-list"}
    )
    assert "has it open" not in poll.content.decode().split(f'id="draft-row-{first.pk}"')[1].split("</a>")[0]
    agent.post(f"/workflows/review/{first.pk}/approve/", {"version": 1}, headers=HX)
    lead_poll = lead.get("/workflows/review/", headers=HX_LIST)
    assert "agent1 has it open" not in lead_poll.content.decode()


def test_category_correction_keeps_the_draft_open(agent_client, draft):
    CategoryFactory(slug="billing/refund", name="Refund")
    response = agent_client.post(
        f"/workflows/review/{draft.pk}/category/", {"version": 1, "category": "billing/refund"}, headers=HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-draft-id="{draft.pk}" data-version="2"' in html
    assert 'data-testid="label">Refund' in html
    assert "is now labelled Refund" in html
    assert 'hx-swap-oob="delete"' not in html
    response = agent_client.post(
        f"/workflows/review/{draft.pk}/category/", {"version": 2, "category": "nope"}, headers=HX
    )
    assert response.status_code == 422 and "does not exist" in response.content.decode()


@pytest.mark.parametrize(
    ("page_url", "linked"), [("javascript:alert(1)", False), ("https://app.example/settings/billing", True)]
)
def test_page_the_customer_was_on_links_only_http(agent_client, category, page_url, linked):
    draft = make_draft(category=category, page_url=page_url, page_title="Billing settings")
    html = agent_client.get(f"/workflows/review/{draft.pk}/").content.decode()
    assert "Page the customer was on" in html
    assert (f'<a href="{page_url}"' in html) is linked
    assert "Billing settings" in html.split("Page the customer was on")[1]


def test_snooze_hides_the_draft_and_moves_on(agent_client, category):
    first = make_draft(category=category, tier="enterprise")
    second = make_draft(category=category, tier="pro")
    response = agent_client.post(f"/workflows/review/{first.pk}/snooze/", {"version": 1, "minutes": 60}, headers=HX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<section id="draft-detail" class="draft-detail" data-draft-id="{second.pk}"')
    assert f'<div id="draft-row-{first.pk}" hx-swap-oob="delete"></div>' in html
    assert "Snoozed the draft" in html
    first.refresh_from_db()
    assert first.status == DraftStatus.PENDING and first.snoozed_until is not None and first.version == 2
    page = agent_client.get("/workflows/review/").content.decode()
    assert f'data-draft-id="{first.pk}"' not in page
    assert f'data-draft-id="{second.pk}"' in page
    opened = agent_client.get(f"/workflows/review/{first.pk}/", headers=HX).content.decode()
    assert 'data-testid="snoozed"' in opened
    other = agent_client.get(f"/workflows/review/{second.pk}/", headers=HX).content.decode()
    assert 'data-testid="snoozed"' not in other


def test_snooze_with_an_unknown_duration_is_refused(agent_client, draft):
    response = agent_client.post(f"/workflows/review/{draft.pk}/snooze/", {"version": 1, "minutes": 7}, headers=HX)
    assert response.status_code == 422
    draft.refresh_from_db()
    assert draft.snoozed_until is None and draft.version == 1


def test_opening_a_draft_records_opened_at_once_and_shows_the_snooze_key(agent_client, draft):
    assert draft.opened_at is None
    html = agent_client.get(f"/workflows/review/{draft.pk}/", headers=HX).content.decode()
    assert 'id="snooze-form"' in html and "Snooze <kbd>s</kbd>" in html
    draft.refresh_from_db()
    first = draft.opened_at
    assert first is not None
    agent_client.get(f"/workflows/review/{draft.pk}/", headers=HX)
    draft.refresh_from_db()
    assert draft.opened_at == first
    page = agent_client.get("/workflows/review/").content.decode()
    assert "<kbd>s</kbd></td><td>snooze" in page


def test_api_snooze_uses_the_same_service_and_checks_the_version(agent_user, draft):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(agent_user)
    url = f"/api/v1/drafts/{draft.pk}/snooze/"
    until = timezone.now() + timedelta(hours=3)
    response = api.post(url, {"version": 1, "until": until.isoformat()}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2 and response.json()["snoozed_until"] is not None
    again = api.post(url, {"version": 1, "until": until.isoformat()}, format="json")
    assert again.status_code == 409
    draft.refresh_from_db()
    assert abs((draft.snoozed_until - until).total_seconds()) < 1


def test_draft_view_shows_the_tree_path_the_allow_listed_facts_and_the_page_context(agent_client, category):
    draft = make_draft(
        category=category,
        page_url="https://app.example/settings/billing",
        page_title="Billing settings",
        page_context={"area": "billing", "app_version": "4.12.3", "plan": "pro"},
    )
    decision = draft.decision
    decision.trace["steps"].insert(
        3,
        {
            "step": "tree",
            "ms": 4.2,
            "kind": "answer",
            "path": [
                {"node": "ask", "type": "need_info", "found": ["order_id"], "missing": []},
                {"node": "account", "type": "lookup"},
                {"node": "answer", "type": "answer"},
            ],
            "end": "answer",
            "lookups": [
                {"name": "crm.account", "ok": True, "source": "hubspot", "error": "", "ms": 12.0, "facts": {}},
                {"name": "billing.charges", "ok": False, "source": "stripe", "error": "timeout after 2 s", "ms": 2000},
            ],
            "facts": {"crm.account.account.status": "active", "crm.account.account.plan": "Pro"},
            "fields": {"order_id": "12345"},
            "actions": [],
        },
    )
    decision.save(update_fields=["trace"])

    html = agent_client.get(f"/workflows/review/{draft.pk}/", headers=HX).content.decode()
    path = html.split('data-testid="tree-path"')[1].split("</ol>")[0]
    assert re.findall(r"<code>([\w-]+)</code>", path) == ["ask", "account", "answer"]
    assert "found: order_id" in path
    lookups = html.split('data-testid="lookups"')[1].split("</ul>")[0]
    assert "crm.account" in lookups and "hubspot" in lookups and "timeout after 2 s" in lookups
    facts = html.split('data-testid="facts"')[1].split("</dl>")[0]
    assert "<dt>crm.account.account.status</dt><dd>active</dd>" in facts
    page = html.split('data-testid="page-context"')[1].split("</dl>")[0]
    assert "<dt>app version</dt><dd>4.12.3</dd>" in page and "<dt>area</dt><dd>billing</dd>" in page


def test_draft_view_without_a_tree_step_shows_no_tree_sections(agent_client, draft):
    html = agent_client.get(f"/workflows/review/{draft.pk}/", headers=HX).content.decode()
    assert 'data-testid="tree-path"' not in html and 'data-testid="facts"' not in html


def test_a_draft_on_a_ticket_without_contact_or_organization_is_listed_and_opens(agent_client, category):
    """Widget chats have no contact: the queue and the draft view name an unknown customer instead of failing."""
    from apps.tickets.models import Ticket

    draft = make_draft(category=category, channel="chat", subject="Widget chat")
    Ticket.objects.filter(pk=draft.ticket_id).update(contact=None, organization=None)
    page = agent_client.get("/workflows/review/")
    assert page.status_code == 200
    row = page.content.decode().split(f'id="draft-row-{draft.pk}"')[1].split("</a>")[0]
    assert "Unknown customer" in row
    detail = agent_client.get(f"/workflows/review/{draft.pk}/", headers=HX)
    assert detail.status_code == 200 and "Unknown customer" in detail.content.decode()
    response = agent_client.post(f"/workflows/review/{draft.pk}/approve/", {"version": 1}, headers=HX)
    assert response.status_code == 200 and "Sent the AI" in response.content.decode()
