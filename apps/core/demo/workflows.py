"""Published workflows of the demo workspace: a decision tree for four categories.

- ``billing/double-charge``: look up the billing summary, branch on ``charge_explain``'s shape: a duplicate capture
  goes to the billing queue at high priority, anything the analysis flags (``escalate``) to the billing queue, a
  pending or released hold (or a single charge) is explained with the lookup's customer-safe wording; other shapes
  and a failed lookup go to the billing queue.
- ``account/password-reset``: SSO logins go to technical support; locked accounts / two-factor problems first ask
  for the workspace address, then go to account management; everything else gets the grounded answer.
- ``bug-report``: file a bug report in the tracker (deduplicated by signature), then thank the customer.
- ``integrations``: ask which integration when the message names none, then answer from the help center.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.workflows.models import Category, VersionStatus, Workflow, WorkflowVersion
from apps.workflows.tree.schema import tree_validate

HOLD_TEXT = "billing.summary.explanation.customer_text"
SHAPE = "fact:billing.summary.explanation.shape"

DOUBLE_CHARGE = {
    "start": "summary",
    "fallback": "billing_team",
    "nodes": [
        {"id": "summary", "type": "lookup", "lookup": "billing.summary", "required": True, "next": "shape",
         "on_error": "billing_team", "label": "Billing summary with the charge analysis"},
        {"id": "shape", "type": "branch", "default": "billing_team", "label": "What the charges look like",
         "rules": [
             {"when": {"field": SHAPE, "op": "eq", "value": "duplicate_capture"}, "next": "duplicate",
              "label": "two real captures: a person refunds"},
             {"when": {"field": "fact:billing.summary.explanation.escalate", "op": "eq", "value": True},
              "next": "billing_team", "label": "the analysis says a person must look"},
             {"when": {"field": SHAPE, "op": "in", "value": ["pending_hold", "released_hold", "single"]},
              "next": "explain_hold", "label": "a hold or a single charge: explain it"},
         ]},
        {"id": "explain_hold", "type": "answer", "knowledge": False, "use_fact": HOLD_TEXT,
         "template": "Hi {first_name}, thanks for checking with us."},
        {"id": "duplicate", "type": "escalate", "queue": "billing", "priority": "high",
         "reason": "genuine duplicate capture: needs a refund decision"},
        {"id": "billing_team", "type": "escalate", "queue": "billing", "priority": "normal",
         "reason": "charge pattern needs the billing team"},
    ],
}  # fmt: skip

PASSWORD_RESET = {
    "start": "route",
    "fallback": "support",
    "nodes": [
        {"id": "route", "type": "branch", "default": "answer", "rules": [
            {"when": {"field": "text", "op": "keywords", "value": ["SSO", "SAML", "Okta", "single sign-on"]},
             "next": "sso", "label": "single sign-on"},
            {"when": {"field": "text", "op": "regex", "value": r"\b(locked|2fa|two[- ]factor|authenticator)\b"},
             "next": "workspace", "label": "locked account or two-factor"},
        ]},
        {"id": "workspace", "type": "need_info", "next": "unlock", "max_asks": 1,
         "prompt": "Could you send us your workspace address (it ends in .tallyflow.example)? Then we can check "
                   "the account for you.",
         "fields": [{"name": "workspace", "label": "workspace address",
                     "patterns": [r"\b([a-z0-9][a-z0-9-]{1,40})\.tallyflow\.example\b"]}]},
        {"id": "unlock", "type": "escalate", "queue": "account-admin", "priority": "normal",
         "reason": "locked account or two-factor reset: identity check by a person"},
        {"id": "sso", "type": "escalate", "queue": "tech-support", "priority": "normal",
         "reason": "single sign-on login problem"},
        {"id": "answer", "type": "answer", "knowledge": True, "on_ungrounded": "draft"},
        {"id": "support", "type": "escalate", "queue": "support", "reason": "login problem"},
    ],
}  # fmt: skip

BUG_REPORT = {
    "start": "file",
    "fallback": "engineers",
    "nodes": [
        {"id": "file", "type": "action", "action": "bug_report", "summary": "Bug reported by a customer",
         "next": "thanks", "on_error": "engineers"},
        {"id": "thanks", "type": "answer", "knowledge": False},
        {"id": "engineers", "type": "escalate", "queue": "tech-support", "priority": "normal",
         "reason": "bug report for the technical team"},
    ],
}  # fmt: skip

INTEGRATIONS = {
    "start": "which",
    "fallback": "tech",
    "nodes": [
        {"id": "which", "type": "need_info", "next": "answer", "max_asks": 1,
         "prompt": "Which integration is it about (for example Slack, HubSpot, Salesforce or Xero)?",
         "fields": [{"name": "integration", "label": "integration",
                     "patterns": [r"\b(slack|hubspot|salesforce|xero|quickbooks|zapier|google sheets|jira)\b"]}]},
        {"id": "answer", "type": "answer", "knowledge": True, "on_ungrounded": "draft"},
        {"id": "tech", "type": "escalate", "queue": "tech-support", "reason": "integration problem"},
    ],
}  # fmt: skip

DEMO_WORKFLOWS = {
    "billing/double-charge": (DOUBLE_CHARGE, "Explain holds from the billing data; never promise a refund."),
    "account/password-reset": (PASSWORD_RESET, "Keep it short; link the reset page; never change access yourself."),
    "bug-report": (BUG_REPORT, "Thank the customer; do not promise a fix date."),
    "integrations": (INTEGRATIONS, "Name the integration; reconnecting fixes most sync problems."),
}
PROFILES = {"chat": {"max_chars": 400, "suggest_articles": 1}, "email": {"formality": "formal", "suggest_articles": 2}}


@transaction.atomic
def demo_workflows_publish(*, users: dict | None = None) -> int:
    """Publish version 1 of each demo workflow whose category exists and has no published version yet; returns
    how many were published. ``users``: the demo users by username (a lead is recorded as the publisher).
    Raises ``ValueError`` when a demo tree does not validate (a bug in this file)."""
    lead = next((u for u in (users or {}).values() if getattr(u, "role", "") == "lead"), None)
    now = timezone.now()
    published = 0
    for slug, (tree, guidelines) in DEMO_WORKFLOWS.items():
        if errors := tree_validate(tree):
            raise ValueError(f"demo workflow {slug}: " + "; ".join(map(str, errors)))
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            continue
        workflow, _ = Workflow.objects.get_or_create(category=category, defaults={"name": category.name})
        if workflow.versions.filter(status=VersionStatus.PUBLISHED).exists():
            continue
        last = workflow.versions.order_by("-number").values_list("number", flat=True).first() or 0
        WorkflowVersion.objects.create(
            workflow=workflow, number=last + 1, status=VersionStatus.PUBLISHED, tree=tree,
            thresholds={"auto": category.auto_threshold, "draft": category.draft_threshold},
            required_fields=[], guidelines=guidelines, profiles=PROFILES, created_by=lead, published_by=lead,
            published_at=now, change_note="Demo workflow",
        )  # fmt: skip
        published += 1
    return published
