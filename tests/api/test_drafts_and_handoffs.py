"""Review actions over the API: drafts (approve / edit / reject with optimistic versions) and handoffs."""

import pytest

from apps.escalation.models import Handoff
from apps.tickets.models import Message
from tests.factories import DraftFactory, HandoffFactory, QueueFactory

pytestmark = pytest.mark.django_db


def _draft():
    draft = DraftFactory(decision__reply_text="Go to Settings → Billing → Plan and pick Business.")
    Message.objects.create(
        ticket=draft.ticket,
        author_kind="customer",
        body="How do I upgrade?",
        created_at=draft.created_at.replace(year=2020),
    )
    return draft


def test_approve_sends_the_draft_and_a_stale_version_gets_409(agent_api, lead_api):
    draft = _draft()
    url = f"/api/v1/drafts/{draft.pk}/approve/"
    approved = agent_api.post(url, {"version": draft.version}, format="json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    assert approved.json()["reviewed_by"] == "agent1"
    assert approved.json()["version"] == draft.version + 1
    again = lead_api.post(url, {"version": draft.version}, format="json")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "conflict"
    assert "already handled by agent1" in error["message"]
    assert error["details"]["status"] == "approved"
    sent = Message.objects.filter(ticket=draft.ticket, author_kind="ai")
    assert [m.body for m in sent] == ["Go to Settings → Billing → Plan and pick Business."]


def test_approve_with_an_old_version_is_refused_and_sends_nothing(agent_api):
    draft = _draft()
    draft.version = 3
    draft.save(update_fields=["version"])
    response = agent_api.post(f"/api/v1/drafts/{draft.pk}/approve/", {"version": 2}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["details"]["version"] == 3
    assert not Message.objects.filter(ticket=draft.ticket, author_kind="ai").exists()


def test_edit_sends_the_agents_text(agent_api):
    draft = _draft()
    response = agent_api.post(
        f"/api/v1/drafts/{draft.pk}/edit/", {"version": 1, "body": "Hi! Settings → Plan → Business."}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["sent_body"]) == ("edited", "Hi! Settings → Plan → Business.")
    assert Message.objects.get(ticket=draft.ticket, author_kind="agent").body == "Hi! Settings → Plan → Business."
    empty = agent_api.post(f"/api/v1/drafts/{draft.pk}/edit/", {"version": 2, "body": ""}, format="json")
    assert empty.status_code == 400


def test_reject_escalates_and_validates_the_reason(agent_api):
    draft = _draft()
    bad = agent_api.post(f"/api/v1/drafts/{draft.pk}/reject/", {"version": 1, "reason": "meh"}, format="json")
    assert bad.status_code == 400
    assert "reason" in bad.json()["error"]["details"]
    response = agent_api.post(
        f"/api/v1/drafts/{draft.pk}/reject/",
        {"version": 1, "reason": "wrong_answer", "note": "Not on Business"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    handoff = Handoff.objects.get(ticket=draft.ticket)
    assert handoff.package["why"]["reject_reason"] == "wrong_answer"
    assert not Message.objects.filter(ticket=draft.ticket, author_kind__in=["ai", "agent"]).exists()


def test_draft_list_filters_by_status(agent_api):
    pending, done = _draft(), _draft()
    agent_api.post(f"/api/v1/drafts/{done.pk}/approve/", {"version": 1}, format="json")
    ids = [d["id"] for d in agent_api.get("/api/v1/drafts/", {"status": "pending"}).json()["results"]]
    assert ids == [pending.pk]
    assert agent_api.post("/api/v1/drafts/999999/approve/", {"version": 1}, format="json").status_code == 404


def test_claim_resolve_and_conflicts(agent_api, lead_api):
    handoff = HandoffFactory()
    url = f"/api/v1/handoffs/{handoff.pk}/"
    assert agent_api.get(url).json()["package"] == {}
    claimed = agent_api.post(url + "claim/")
    assert claimed.status_code == 200
    assert (claimed.json()["status"], claimed.json()["claimed_by"]) == ("claimed", "agent1")
    taken = lead_api.post(url + "claim/")
    assert taken.status_code == 409
    assert "already claimed by agent1" in taken.json()["error"]["message"]
    mine = agent_api.get("/api/v1/handoffs/", {"mine": "true"}).json()["results"]
    assert [h["id"] for h in mine] == [handoff.pk]
    resolved = agent_api.post(url + "resolve/")
    assert resolved.json()["status"] == "resolved"
    handoff.ticket.refresh_from_db()
    assert handoff.ticket.status == "resolved"
    assert agent_api.post(url + "resolve/").status_code == 409


def test_reassign_moves_to_another_queue(agent_api):
    handoff = HandoffFactory()
    QueueFactory(slug="billing")
    moved = agent_api.post(f"/api/v1/handoffs/{handoff.pk}/reassign/", {"queue": "billing"}, format="json")
    assert (moved.status_code, moved.json()["queue"]) == (200, "billing")
    unknown = agent_api.post(f"/api/v1/handoffs/{handoff.pk}/reassign/", {"queue": "nowhere"}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["details"] == {"queue": "nowhere"}


def test_lists_keep_a_fixed_query_budget(agent_api, django_assert_max_num_queries):
    for _ in range(6):
        _draft()
        HandoffFactory()
    with django_assert_max_num_queries(3):
        drafts = agent_api.get("/api/v1/drafts/").json()["results"]
    with django_assert_max_num_queries(3):
        handoffs = agent_api.get("/api/v1/handoffs/").json()["results"]
    assert (len(drafts), len(handoffs)) == (6, 6)
    assert all(d["category"] and d["ticket"]["id"] for d in drafts)
    assert all(h["queue"] == "support" and "package" not in h for h in handoffs)


def test_category_correction_is_a_training_label_and_checks_the_version(agent_api):
    from tests.factories import CategoryFactory

    draft = DraftFactory()
    refund = CategoryFactory(slug="billing/refund", name="Refund")
    url = f"/api/v1/drafts/{draft.pk}/category/"
    unknown = agent_api.post(url, {"version": 1, "category": "no-such"}, format="json")
    assert unknown.status_code == 400 and "does not exist" in unknown.json()["error"]["message"]
    response = agent_api.post(url, {"version": 1, "category": "billing/refund"}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2 and response.json()["status"] == "pending"
    draft.ticket.refresh_from_db()
    assert draft.ticket.labelled_category == refund and draft.ticket.category == refund
    stale = agent_api.post(url, {"version": 1, "category": "billing/refund"}, format="json")
    assert stale.status_code == 409
