"""A Stripe stand-in: an in-memory account answering the read endpoints the billing client uses.

Objects are built from Stripe's own example objects in ``../shared/data/stripe_fixtures/fixtures3.json`` (read at
run time, never copied), overridden with the test's values. Routes: ``GET /v1/customers`` (``email`` filter),
``/v1/customers/{id}``, ``/v1/charges`` / ``/v1/payment_intents`` / ``/v1/invoices`` (``customer`` filter),
``/v1/refunds`` / ``/v1/disputes`` (``charge`` filter), ``/v1/balance_transactions/{id}``. Requests without
``Authorization: Bearer <api_key>`` get Stripe's 401 error body.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from .server import Reply, Request

API_KEY = "sk_test_standin_0000000000000000"


def stripe_templates(shared_data: Path) -> dict:
    """Stripe's example object per resource, keyed by object name (``charge``, ``refund`` …)."""
    return json.loads((shared_data / "stripe_fixtures" / "fixtures3.json").read_text())["resources"]


class StripeAccount:
    """What the stand-in serves; ``add(kind, **fields)`` deep-merges ``fields`` into Stripe's example object."""

    def __init__(self, templates: dict, api_key: str = API_KEY):
        self.templates, self.api_key = templates, api_key
        self.objects: dict[str, list[dict]] = {}

    def add(self, kind: str, **fields) -> dict:
        obj = copy.deepcopy(self.templates[kind])
        _merge(obj, fields)
        self.objects.setdefault(kind, []).append(obj)
        return obj

    def _list(self, kind: str, req: Request, key: str, url: str) -> Reply:
        wanted = (req.query.get(key) or [None])[0]
        rows = [o for o in self.objects.get(kind, []) if wanted is None or o.get(key) == wanted]
        rows.sort(key=lambda o: o.get("created") or 0, reverse=True)
        limit = int((req.query.get("limit") or ["10"])[0])
        return Reply(200, {"object": "list", "data": rows[:limit], "has_more": len(rows) > limit, "url": url})

    def _get(self, kind: str, ident: str) -> Reply:
        for obj in self.objects.get(kind, []):
            if obj["id"] == ident:
                return Reply(200, obj)
        return _error(404, "invalid_request_error", f"No such {kind}: '{ident}'", code="resource_missing")

    def routes(self) -> dict:
        def guarded(fn):
            def handler(req: Request):
                if req.headers.get("authorization") != f"Bearer {self.api_key}":
                    return _error(401, "invalid_request_error", "Invalid API Key provided: sk_test_****")
                return fn(req)

            return handler

        return {
            ("GET", r"/v1/customers"): guarded(lambda r: self._list("customer", r, "email", "/v1/customers")),
            ("GET", r"/v1/customers/(?P<id>[^/]+)"): guarded(lambda r: self._get("customer", r.params["id"])),
            ("GET", r"/v1/charges"): guarded(lambda r: self._list("charge", r, "customer", "/v1/charges")),
            ("GET", r"/v1/payment_intents"): guarded(
                lambda r: self._list("payment_intent", r, "customer", "/v1/payment_intents")
            ),
            ("GET", r"/v1/invoices"): guarded(lambda r: self._list("invoice", r, "customer", "/v1/invoices")),
            ("GET", r"/v1/refunds"): guarded(lambda r: self._list("refund", r, "charge", "/v1/refunds")),
            ("GET", r"/v1/disputes"): guarded(lambda r: self._list("dispute", r, "charge", "/v1/disputes")),
            ("GET", r"/v1/balance_transactions/(?P<id>[^/]+)"): guarded(
                lambda r: self._get("balance_transaction", r.params["id"])
            ),
        }


def _merge(target: dict, fields: dict) -> None:
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _error(status: int, kind: str, message: str, code: str | None = None) -> Reply:
    return Reply(status, {"error": {"type": kind, "message": message, "code": code}})
