"""Snooze and un-snooze through every door (service, review screen, API, Django admin), and the admin's approve,
reject and category actions through the same services as the screen and the API."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.errors import ConflictError, ValidationError
from apps.workflows.choices import DraftStatus
from apps.workflows.selectors import ReviewFilters, review_queue_list
from apps.workflows.services.drafts import draft_approve, draft_snooze, draft_unsnooze
from tests.screens.conftest import make_draft

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true", "HX-Target": "draft-detail"}
CHANGELIST = "/admin/workflows/draft/"


def _snoozed(draft, user, hours=2):
    return draft_snooze(
        draft_id=draft.pk, version=draft.version, user=user, until=timezone.now() + timedelta(hours=hours)
    )


def _queued_ids() -> list[int]:
    return list(review_queue_list(filters=ReviewFilters()).values_list("pk", flat=True))


# --- service -----------------------------------------------------------------------------------------------------


def test_unsnooze_puts_the_draft_back_in_the_queue_now(draft, agent_user):
    snoozed = _snoozed(draft, agent_user)
    assert _queued_ids() == []

    result = draft_unsnooze(draft_id=draft.pk, version=snoozed.version, user=agent_user)

    assert result.snoozed_until is None and result.version == 3 and result.status == DraftStatus.PENDING
    assert _queued_ids() == [draft.pk]


def test_unsnooze_with_a_stale_version_conflicts_and_changes_nothing(draft, agent_user):
    snoozed = _snoozed(draft, agent_user)
    with pytest.raises(ConflictError, match="changed since you opened it"):
        draft_unsnooze(draft_id=draft.pk, version=1, user=agent_user)
    draft.refresh_from_db()
    assert draft.snoozed_until == snoozed.snoozed_until and draft.version == 2


def test_unsnooze_of_a_draft_that_is_not_snoozed_is_refused(draft, agent_user):
    with pytest.raises(ValidationError, match="not snoozed"):
        draft_unsnooze(draft_id=draft.pk, version=1, user=agent_user)
    draft.refresh_from_db()
    assert draft.version == 1


def test_unsnooze_of_a_reviewed_draft_conflicts(draft, agent_user):
    snoozed = _snoozed(draft, agent_user)
    draft_approve(draft_id=draft.pk, version=snoozed.version, user=agent_user)
    with pytest.raises(ConflictError, match="already handled"):
        draft_unsnooze(draft_id=draft.pk, version=3, user=agent_user)


# --- review screen -----------------------------------------------------------------------------------------------


def test_screen_lists_snoozed_drafts_and_unsnoozes_one(agent_client, agent_user, category):
    first = make_draft(category=category, tier="enterprise", subject="Snoozed one")
    make_draft(category=category, tier="pro", subject="Still waiting")
    _snoozed(first, agent_user)

    page = agent_client.get("/workflows/review/").content.decode()
    snoozed_list = page.split('data-testid="snoozed-list"')[1].split("</div>")[0]
    assert f"/workflows/review/{first.pk}/" in snoozed_list and f"#{first.ticket_id}" in snoozed_list
    assert f'id="draft-row-{first.pk}"' not in page

    opened = agent_client.get(f"/workflows/review/{first.pk}/", headers=HX).content.decode()
    assert 'id="unsnooze-form"' in opened and "<kbd>u</kbd>" in opened

    response = agent_client.post(f"/workflows/review/{first.pk}/unsnooze/", {"version": 2}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-draft-id="{first.pk}"' in html.split(">")[0]  # the same draft stays open
    assert "is back in the queue" in html
    assert 'data-testid="snoozed"' not in html and 'data-testid="snoozed-list"' not in html
    first.refresh_from_db()
    assert first.snoozed_until is None and first.version == 3
    page = agent_client.get("/workflows/review/").content.decode()
    assert f'id="draft-row-{first.pk}"' in page and 'data-testid="pending-total">2<' in page


def test_screen_unsnooze_of_a_draft_not_snoozed_says_why(agent_client, draft):
    response = agent_client.post(f"/workflows/review/{draft.pk}/unsnooze/", {"version": 1}, headers=HX)
    assert response.status_code == 422
    assert "is not snoozed" in response.content.decode()


def test_unsnooze_key_is_in_the_help_overlay(agent_client, draft):
    page = agent_client.get("/workflows/review/").content.decode()
    assert "<kbd>u</kbd></td><td>un-snooze" in page


# --- API ---------------------------------------------------------------------------------------------------------


def test_api_unsnooze_uses_the_same_service_and_checks_the_version(agent_user, draft):
    api = APIClient()
    api.force_authenticate(agent_user)
    until = (timezone.now() + timedelta(hours=3)).isoformat()
    assert api.post(f"/api/v1/drafts/{draft.pk}/snooze/", {"version": 1, "until": until}, format="json").json()[
        "snoozed_until"
    ]
    stale = api.post(f"/api/v1/drafts/{draft.pk}/unsnooze/", {"version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"

    response = api.post(f"/api/v1/drafts/{draft.pk}/unsnooze/", {"version": 2}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["snoozed_until"] is None and response.json()["version"] == 3

    again = api.post(f"/api/v1/drafts/{draft.pk}/unsnooze/", {"version": 3}, format="json")
    assert again.status_code == 400 and "not snoozed" in again.json()["error"]["message"]
    missing = api.post(f"/api/v1/drafts/{draft.pk}/unsnooze/", {}, format="json")
    assert missing.status_code == 400


def test_api_unsnooze_needs_a_staff_role(draft):
    assert APIClient().post(f"/api/v1/drafts/{draft.pk}/unsnooze/", {"version": 1}, format="json").status_code in (
        401,
        403,
    )


# --- Django admin ------------------------------------------------------------------------------------------------


def test_admin_snooze_asks_for_a_duration_then_snoozes_through_the_service(admin_client_, agent_user, category):
    pending = make_draft(category=category)
    reviewed = make_draft(category=category)
    draft_approve(draft_id=reviewed.pk, version=1, user=agent_user)
    ids = [str(pending.pk), str(reviewed.pk)]

    step1 = admin_client_.post(CHANGELIST, {"action": "drafts_snooze", "_selected_action": ids})
    assert step1.status_code == 200
    html = step1.content.decode()
    assert 'name="minutes"' in html and "4 hours" in html and 'name="apply"' in html
    pending.refresh_from_db()
    assert pending.snoozed_until is None  # nothing happens before a duration is chosen

    step2 = admin_client_.post(
        CHANGELIST,
        {"action": "drafts_snooze", "_selected_action": ids, "minutes": "240", "apply": "Snooze"},
        follow=True,
    )
    text = step2.content.decode()
    assert "1 draft(s) snoozed until" in text
    assert f"Draft {reviewed.pk}" in text and "already handled" in text  # the reviewed one is named, not changed
    pending.refresh_from_db()
    reviewed.refresh_from_db()
    hours = (pending.snoozed_until - timezone.now()).total_seconds() / 3600
    assert 3.9 < hours <= 4.0 and pending.version == 2
    assert reviewed.snoozed_until is None and reviewed.status == DraftStatus.APPROVED


def test_admin_snooze_refuses_a_duration_not_offered(admin_client_, draft):
    response = admin_client_.post(
        CHANGELIST, {"action": "drafts_snooze", "_selected_action": [draft.pk], "minutes": "99999", "apply": "Snooze"}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    draft.refresh_from_db()
    assert draft.snoozed_until is None


def test_admin_unsnooze_puts_drafts_back(admin_client_, agent_user, category):
    snoozed = make_draft(category=category)
    _snoozed(snoozed, agent_user)
    waiting = make_draft(category=category)

    response = admin_client_.post(
        CHANGELIST, {"action": "drafts_unsnooze", "_selected_action": [snoozed.pk, waiting.pk]}, follow=True
    )
    text = response.content.decode()
    assert "1 draft(s) back in the review queue." in text and "is not snoozed" in text
    snoozed.refresh_from_db()
    assert snoozed.snoozed_until is None and snoozed.version == 3
    assert sorted(_queued_ids()) == sorted([snoozed.pk, waiting.pk])


def test_admin_approve_asks_to_confirm_then_sends_through_the_service(admin_client_, category):
    from apps.tickets.models import Message

    first, second = make_draft(category=category), make_draft(category=category)
    ids = [first.pk, second.pk]
    asked = admin_client_.post(CHANGELIST, {"action": "drafts_approve", "_selected_action": ids})
    assert asked.status_code == 200 and 'name="confirm"' in asked.content.decode()
    unconfirmed = admin_client_.post(CHANGELIST, {"action": "drafts_approve", "_selected_action": ids, "apply": "1"})
    assert "This field is required" in unconfirmed.content.decode()
    assert not Message.objects.filter(author_kind="ai").exists()

    done = admin_client_.post(
        CHANGELIST,
        {"action": "drafts_approve", "_selected_action": ids, "confirm": "on", "apply": "1"},
        follow=True,
    )
    assert "2 draft(s) sent." in done.content.decode()
    for draft in (first, second):
        draft.refresh_from_db()
        assert draft.status == DraftStatus.APPROVED and draft.sent_body
    assert Message.objects.filter(author_kind="ai").count() == 2


def test_admin_reject_needs_a_reason_and_escalates(admin_client_, category, billing_queue):
    from apps.escalation.models import Handoff

    draft = make_draft(category=category)
    other = admin_client_.post(
        CHANGELIST, {"action": "drafts_reject", "_selected_action": [draft.pk], "reason": "other", "apply": "1"},
        follow=True,
    )  # fmt: skip
    assert "Say why in the note" in other.content.decode()
    draft.refresh_from_db()
    assert draft.status == DraftStatus.PENDING

    done = admin_client_.post(
        CHANGELIST,
        {"action": "drafts_reject", "_selected_action": [draft.pk], "reason": "wrong_tone", "note": "too curt",
         "apply": "1"},
        follow=True,
    )  # fmt: skip
    assert "1 draft(s) rejected" in done.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.reject_reason, draft.reject_note) == (DraftStatus.REJECTED, "wrong_tone", "too curt")
    assert Handoff.objects.get(ticket=draft.ticket).queue == billing_queue


def test_admin_sets_the_category_as_a_training_label(admin_client_, category):
    from tests.factories import CategoryFactory

    refund = CategoryFactory(slug="billing/refund", name="Refund")
    draft = make_draft(category=category)
    done = admin_client_.post(
        CHANGELIST,
        {"action": "drafts_recategorize", "_selected_action": [draft.pk], "category": "billing/refund", "apply": "1"},
        follow=True,
    )
    assert "1 ticket(s) labelled Refund." in done.content.decode()
    draft.refresh_from_db()
    draft.ticket.refresh_from_db()
    assert draft.ticket.labelled_category == refund and draft.status == DraftStatus.PENDING and draft.version == 2
