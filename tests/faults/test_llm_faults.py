"""The LLM endpoint fails under a running cluster: it times out, answers 429 and 500 (after the provider's bounded
retries), returns JSON that does not parse or does not fit the schema. Every affected ticket is escalated to a person
with the error as the reason; nothing is sent or drafted from a failed step; when the endpoint recovers, new
tickets are answered again and the failed ones are not re-triaged (their turn has its Decision)."""

from __future__ import annotations

import pytest

from apps.escalation.models import Handoff
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message
from apps.workflows.choices import Outcome
from apps.workflows.models import Decision, Draft

from .conftest import CONFIDENT, MIDDLING
from .harness import invariants, wait_for

FAULTS = [
    ("timeout", "timed out after 1 s"),
    ("429", "rate limited (429)"),
    ("500", "HTTP 500"),
    ("malformed", "malformed model output"),
    ("schema", "does not fit the schema"),
]


def _all_decided(ids: list[int]) -> bool:
    return Decision.objects.filter(ticket_id__in=ids).count() == len(ids)


@pytest.mark.django_db(transaction=True)
def test_llm_failures_escalate_and_send_nothing_then_recover(workspace, receive, cluster, llm):
    llm.hang = 1.6  # longer than LLM_TIMEOUT_S=1
    cluster.start()
    every: list[int] = []
    for mode, phrase in FAULTS:
        llm.mode = mode
        before = llm.calls[mode]
        ids = receive([CONFIDENT[0], CONFIDENT[1], MIDDLING[0]])  # would be sent, sent, drafted
        every += ids
        wait_for(lambda ids=ids: _all_decided(ids), timeout=40, what=f"decisions under LLM fault {mode}")

        decisions = list(Decision.objects.filter(ticket_id__in=ids))
        assert {d.outcome for d in decisions} == {Outcome.ESCALATE}, mode
        assert all(phrase in d.reason and d.reason.startswith("composer error") for d in decisions), [
            d.reason for d in decisions
        ]
        assert not any(d.sent for d in decisions)
        assert not Message.objects.filter(ticket_id__in=ids, author_kind=AuthorKind.AI).exists()
        assert not Draft.objects.filter(ticket_id__in=ids).exists()
        assert Handoff.objects.filter(ticket_id__in=ids).count() == len(ids)
        if mode in ("timeout", "429", "500"):  # bounded retries: LLM_MAX_RETRIES=1 → two attempts per reply
            assert llm.calls[mode] - before >= 2 * len(ids)
        else:  # a 200 with bad content is not retried
            assert llm.calls[mode] - before >= len(ids)

    llm.mode = "ok"
    recovered = receive([CONFIDENT[0], MIDDLING[0]])
    wait_for(lambda: _all_decided(recovered), timeout=30, what="decisions after the LLM recovered")
    outcomes = dict(Decision.objects.filter(ticket_id__in=recovered).values_list("ticket_id", "outcome"))
    assert outcomes == {recovered[0]: Outcome.RESOLVE, recovered[1]: Outcome.DRAFT}
    assert Message.objects.filter(ticket_id=recovered[0], author_kind=AuthorKind.AI).count() == 1

    invariants(every + recovered)
    assert Decision.objects.filter(ticket_id__in=every).count() == len(every)  # the failed ones were not redone
