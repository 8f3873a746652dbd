"""lookup_run: the engine's single entry to billing and CRM data, allow-listed and failure-safe.

Names: ``billing.summary`` (customer, charge analysis, latest invoices), ``billing.charges`` (charges, payment
intents, refunds, disputes, invoices, balance transactions), ``crm.account`` (status, tier, plan, contract dates,
owner, recent activity). The connection is chosen by service and category (``connection_for``); without any
connection for the service the local demo backend answers. Only the connection's ``allowed_fields`` (defaults per
service for the local fallback) reach ``LookupResult.facts``. Vendor failures never raise: ``ok=False`` and
``error``, recorded on the connection (CallLog and health) so the engine escalates.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from apps.core.errors import ApplicationError, ProviderError

from .allowlist import allowlist_filter

log = logging.getLogger(__name__)
SERVICE_OF = {"billing.summary": "billing", "billing.charges": "billing", "crm.account": "crm"}
LOOKUP_NAMES = tuple(SERVICE_OF)
# evidence item field → the allow-list path of the object it came from
_EVIDENCE_PATHS = {
    "charge": "charges",
    "payment_intent": "payment_intents",
    "refund": "refunds",
}
_EVIDENCE_ALIASES = {"reference": "destination_details.card.reference", "card_currency": "currency"}
_EVIDENCE_ALWAYS = {"object", "role", "seconds_after"}


@dataclass
class LookupResult:
    """One lookup: ``facts`` hold allow-listed values only; ``ms`` is the wall time in milliseconds."""

    name: str
    ok: bool
    facts: dict = field(default_factory=dict)
    source: str = ""
    error: str = ""
    ms: float = 0.0
    # Derived decisions, independent of the allow-list and free of vendor data: for billing.summary
    # {"shape", "escalate", "queue_slug"} of charge_explain, so the engine escalates a real duplicate capture even
    # when an admin hides the explanation's fields from the AI.
    signals: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)

    def flat(self) -> dict[str, Any]:
        """Facts as ``{"billing.summary.explanation.shape": "released_hold", …}`` (scalars only; list items get
        their index), for prompts and for ``reply_violations(facts=…)``."""
        flat: dict[str, Any] = {}

        def walk(value, path):
            if isinstance(value, dict):
                for key, child in value.items():
                    walk(child, f"{path}.{key}")
            elif isinstance(value, list):
                for index, child in enumerate(value):
                    walk(child, f"{path}.{index}")
            else:
                flat[path] = value

        walk(self.facts, self.name)
        return flat


def _allowed(connection, service: str) -> list[str]:
    if connection is not None:
        return list(connection.allowed_fields or [])
    if service == "billing":
        from .billing import DEFAULT_BILLING_FIELDS

        return DEFAULT_BILLING_FIELDS
    from .crm import DEFAULT_CRM_FIELDS

    return DEFAULT_CRM_FIELDS


def _connection(service: str, category_slug: str):
    """(connection or None, refusal). None without any connection for the service (local fallback)."""
    from .connections import connection_for
    from .models import Connection

    found = connection_for(service=service, category_slug=category_slug)
    if found is not None:
        return found, ""
    if Connection.objects.filter(service=service, enabled=True).exists():
        return None, f"no enabled {service} connection may be used for category {category_slug!r}"
    return None, ""


def evidence_filter(evidence: list[dict], allowed: list[str]) -> list[dict]:
    """Evidence items keeping only fields whose source path (``charges.amount`` …) is allowed."""
    rules = set(allowed)
    if "explanation.evidence" not in rules and "explanation" not in rules:
        return []
    kept = []
    for item in evidence:
        prefix = _EVIDENCE_PATHS.get(item.get("object"), "")
        out = {}
        for key, value in item.items():
            path = f"{prefix}.{_EVIDENCE_ALIASES.get(key, key)}"
            if key in _EVIDENCE_ALWAYS or _path_allowed(path, rules):
                out[key] = value
        kept.append(out)
    return kept


def _path_allowed(path: str, rules: set[str]) -> bool:
    parts = path.split(".")
    return any(".".join(parts[:n]) in rules for n in range(1, len(parts) + 1))


def _billing_customer(client, ticket) -> dict | None:
    org, contact = getattr(ticket, "organization", None), getattr(ticket, "contact", None)
    hint = ((org.crm_data or {}).get("billing_customer_id") or "") if org else ""
    return client.customer_find(
        email=(contact.email if contact else "") or "", organization_id=org.pk if org else None, hint=hint
    )


def _billing_summary(client, ticket) -> dict:
    from .billing.analysis import charge_explain

    customer = _billing_customer(client, ticket)
    if customer is None:  # no billing account for this ticket: nothing to explain, a person must look
        return {
            "customer": None,
            "explanation": charge_explain(customer_ref="", snapshot={}).as_dict(),
            "invoices": [],
        }
    snapshot = client.snapshot(customer_ref=customer["id"])
    snapshot["customer"] = {**customer, **(snapshot.get("customer") or {})}
    explanation = charge_explain(customer_ref=customer["id"], snapshot=snapshot)
    return {
        "customer": snapshot["customer"],
        "explanation": explanation.as_dict(),
        "invoices": snapshot.get("invoices", [])[:3],
    }


def _billing_charges(client, ticket) -> dict:
    customer = _billing_customer(client, ticket)
    if customer is None:
        return {"customer": None}
    snapshot = client.snapshot(customer_ref=customer["id"])
    snapshot["customer"] = {**customer, **(snapshot.get("customer") or {})}
    return snapshot


def _crm_account(client, ticket) -> dict:
    org, contact = getattr(ticket, "organization", None), getattr(ticket, "contact", None)
    domain = (org.domain if org else "") or ((contact.email.rsplit("@", 1)[-1]) if contact and contact.email else "")
    crm_id = (org.crm_data or {}).get("id") if org else ""
    if client.source == "local":
        crm_id = f"org_{org.pk}" if org else ""
    account = client.account_find(
        external_id=str(crm_id or (org.external_id if org else "") or ""), domain=domain, name=org.name if org else ""
    )
    return {"account": account}


_RUNNERS = {"billing.summary": _billing_summary, "billing.charges": _billing_charges, "crm.account": _crm_account}


def lookup_run(*, name: str, ticket, category_slug: str = "") -> LookupResult:
    """Run the lookup ``name`` for ``ticket`` (its organization and contact identify the customer).

    Returns a ``LookupResult`` whose ``facts`` contain only allow-listed fields; ``ok=False`` with ``error`` when
    the lookup is unknown, not allowed for ``category_slug``, the vendor fails (timeouts, 429, 5xx after retries,
    bad credentials) or anything else goes wrong. Never raises. ``source``: stripe, hubspot, salesforce or local.
    """
    started = time.perf_counter()

    def result(ok: bool, facts=None, source: str = "", error: str = "", signals=None) -> LookupResult:
        ms = round((time.perf_counter() - started) * 1000, 2)
        return LookupResult(name, ok, facts or {}, source, error, ms, signals or {})

    service = SERVICE_OF.get(name)
    if service is None:
        return result(False, error=f"unknown lookup {name!r} (known: {', '.join(LOOKUP_NAMES)})")
    connection = None
    try:
        connection, refusal = _connection(service, category_slug)
        if refusal:
            return result(False, error=refusal)
        if service == "billing":
            from .billing import billing_client

            client = billing_client(connection=connection) if connection else _local_billing()
        else:
            from .crm import crm_client

            client = crm_client(connection=connection) if connection else _local_crm()
        payload = _RUNNERS[name](client, ticket)
        allowed = _allowed(connection, service)
        facts = allowlist_filter(payload, allowed)
        explanation = payload.get("explanation") if isinstance(payload, dict) else None
        if explanation and "explanation" in facts:
            facts["explanation"].pop("evidence", None)
            evidence = evidence_filter(explanation.get("evidence") or [], allowed)
            if evidence:
                facts["explanation"]["evidence"] = evidence
        signals = (
            {k: explanation.get(k) for k in ("shape", "escalate", "queue_slug")} if name == "billing.summary" else {}
        )
        return result(True, facts, client.source, signals=signals)
    except ProviderError as exc:  # already in the CallLog and the connection's health (vendor_call)
        error = str(exc)
    except Exception as exc:  # bad configuration (ValidationError) or a bug: never crash triage, escalate instead
        if not isinstance(exc, ApplicationError):
            log.exception("lookup %s failed", name)
        error = f"{type(exc).__name__}: {exc}"
        if connection is not None:
            from .connections import connection_record_call

            ms = (time.perf_counter() - started) * 1000
            connection_record_call(connection=connection, operation=name, duration_ms=ms, ok=False, error=error)
    from .connections import vendor_error_scrub

    return result(False, source=getattr(connection, "kind", ""), error=vendor_error_scrub(error)[:500])


def _local_billing():
    from .billing.local import LocalBilling

    return LocalBilling(None)


def _local_crm():
    from .crm.local import LocalCRM

    return LocalCRM(None)


def lookups_run(*, names: list[str], ticket, category_slug: str = "") -> list[LookupResult]:
    """``lookup_run`` for each of ``names`` in order (duplicates run once). Never raises."""
    seen: dict[str, LookupResult] = {}
    for name in names:
        if name not in seen:
            seen[name] = lookup_run(name=name, ticket=ticket, category_slug=category_slug)
    return list(seen.values())


def lookups_trace(results: list[LookupResult]) -> list[dict]:
    """What the Decision trace and the handoff package's ``tried.lookups`` record: name, ok, source, error, ms and
    the allow-listed facts (nothing else from the vendor)."""
    return [r.as_dict() for r in results]


def lookups_facts(results: list[LookupResult]) -> dict:
    """The package's / composer's ``facts``: ``{lookup name: allow-listed facts}`` of the lookups that worked."""
    return {r.name: r.facts for r in results if r.ok}


def lookups_failed(results: list[LookupResult]) -> list[LookupResult]:
    """The lookups that failed (the engine escalates when a required one is among them)."""
    return [r for r in results if not r.ok]


# Short names a reply template may use ({charge_explanation}, {account_manager} …) → flat fact key.
COMPOSER_ALIASES = {
    "charge_explanation": "billing_summary_explanation_customer_text",
    "charge_shape": "billing_summary_explanation_shape",
    "account_status": "crm_account_account_status",
    "account_tier": "crm_account_account_tier",
    "account_plan": "crm_account_account_plan",
    "account_manager": "crm_account_account_owner_name",
    "contract_end": "crm_account_account_contract_end",
}


def lookups_composer_facts(results: list[LookupResult]) -> dict[str, Any]:
    """Facts for the composer and ``reply_violations``: identifier keys (``billing_summary_explanation_shape``,
    list items with their index) → scalars, from allow-listed facts of the lookups that worked, plus the short
    ``COMPOSER_ALIASES``. Nothing that is not allow-listed can appear here."""
    facts: dict[str, Any] = {}
    for result in results:
        if result.ok:
            for key, value in result.flat().items():
                facts[key.replace(".", "_").replace("-", "_")] = value
    for alias, key in COMPOSER_ALIASES.items():
        if facts.get(key) not in (None, ""):
            facts[alias] = facts[key]
    return facts


def lookups_escalation(results: list[LookupResult]) -> dict | None:
    """``{"lookup", "reason", "queue_slug", "shape"}`` when a lookup's analysis says a person must act (a real
    duplicate capture, no billing account found), else None."""
    for r in results:
        if r.ok and r.signals.get("escalate"):
            shape = r.signals.get("shape") or ""
            reasons = {
                "duplicate_capture": "billing data shows a genuine duplicate capture: a person must refund",
                "no_charges": "no billing account or charges found for this customer",
            }
            return {
                "lookup": r.name,
                "reason": reasons.get(shape, f"billing analysis ({shape}) needs a person"),
                "queue_slug": r.signals.get("queue_slug") or "billing",
                "shape": shape,
            }
    return None
