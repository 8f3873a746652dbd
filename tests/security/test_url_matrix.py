"""Who reaches what, for EVERY URL pattern (read from the resolver, so new screens and endpoints are covered):
anonymous callers never get a 2xx outside the public allow-list, a role outside a view's declared roles never
gets a 2xx, a role inside them is never refused, the widget key (a credential of another scope) opens no staff
endpoint, nobody gets a 500 for a GET, and every POST without a CSRF token from a logged-in browser fails."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from apps.core.choices import Role

from .urls import Route, routes

pytestmark = pytest.mark.django_db

# Public on purpose (name patterns), each with its reason. Everything else needs a login.
PUBLIC = {
    r"^login$|^logout$|^admin:login$": "sign-in pages",
    r"^api-auth-token$": "password -> API token exchange (POST, throttled)",
    r"^api-conversation-": "chat widget: identified by the workspace key and the conversation token",
    r"feedback": "CSAT / feedback links sent to customers",
    r"webhook|^tickets:email_inbound$|inbound": "vendor webhooks: each checks its own signature or secret",
    r"^core:health$": "health check for load balancers",
    r"^core:demo": "demo pages that embed the widget",
    r"^schema$|^api-docs$": "the API's description (no data)",
}
# POSTs that need no CSRF token, with the reason (they never rely on a browser session).
CSRF_EXEMPT = {
    r"^api-conversation-": "chat widget: cross-site by design, authenticated by key + conversation token, no cookies",
    r"webhook|^tickets:email_inbound$|inbound": "server-to-server webhooks with a signature or secret",
    r"^api-auth-token$": "exchanges a password for a token; no session is used",
}
ROLES = {"agent": Role.AGENT, "lead": Role.LEAD, "admin": Role.ADMIN}


def _matches(table: dict[str, str], route: Route) -> bool:
    return any(re.search(pattern, route.name) for pattern in table)


ALL = routes()
PRIVATE = [r for r in ALL if not _matches(PUBLIC, r)]
ADMIN_ROUTES = [r for r in routes(include_admin=True) if r.path.startswith("/admin/") and not _matches(PUBLIC, r)]
ids = str


def _status(client, route: Route, method: str = "get") -> int:
    response = getattr(client, method)(route.path, HTTP_ACCEPT="text/html,application/json")
    return response.status_code


def test_the_resolver_yields_the_known_screens():
    names = {r.name for r in ALL}
    assert {"workflows:review_queue", "escalation:handoff_list", "knowledge:source_list", "api-ticket-list"} <= names
    assert len(ADMIN_ROUTES) > 50


@pytest.mark.parametrize("route", PRIVATE + ADMIN_ROUTES, ids=ids)
def test_anonymous_never_gets_in(client, route):
    status = _status(client, route)
    assert not 200 <= status < 300, f"{route}: {status}"
    assert status < 500


@pytest.mark.parametrize("who", list(ROLES))
def test_each_role_gets_exactly_the_declared_screens(request, who, agent_user, lead_user, admin_user):
    user = {"agent": agent_user, "lead": lead_user, "admin": admin_user}[who]
    client = Client()
    client.force_login(user)
    leaks, refusals, errors = [], [], []
    for route in PRIVATE:
        status = _status(client, route)
        if status >= 500:
            errors.append(f"{route}: {status}")
        if route.roles is None:
            continue
        if ROLES[who] in route.roles:
            if status in (401, 403):
                refusals.append(f"{route}: {status}")
        elif 200 <= status < 300:
            leaks.append(f"{route}: {status}")
    assert (leaks, refusals, errors) == ([], [], [])


def test_agents_never_reach_lead_screens(agent_user):
    lead_only = [r for r in PRIVATE if r.roles is not None and Role.AGENT not in r.roles]
    assert any(r.name.startswith("knowledge:") for r in lead_only)
    assert any(r.name == "api-metrics" for r in lead_only)
    client = Client()
    client.force_login(agent_user)
    got = {}
    for route in lead_only:
        status = _status(client, route)
        got[str(route)] = _status(client, route, "post") if status == 405 else status  # POST-only actions
    assert got == {str(r): 403 for r in lead_only}


def test_non_staff_roles_cannot_open_the_admin(agent_user, lead_user):
    for user in (agent_user, lead_user):  # the conftest's lead and agent are not staff
        client = Client()
        client.force_login(user)
        statuses = {str(r): _status(client, r) for r in ADMIN_ROUTES[:60]}
        assert all(s in (302, 404) for s in statuses.values()), statuses


@pytest.mark.parametrize("caller", ["widget_key", "agent_token", "bad_token"])
def test_api_credentials_of_another_scope(caller, agent_user):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    if caller == "widget_key":
        client.credentials(HTTP_X_SWITCHBOARD_KEY=settings.WIDGET_PUBLIC_KEY)
    elif caller == "agent_token":
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent_user).key}")
    else:
        client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    leaks = []
    for route in PRIVATE:
        if not route.is_api or route.roles is None:
            continue
        allowed = caller == "agent_token" and Role.AGENT in route.roles
        status = client.get(route.path).status_code
        if not allowed and status not in (401, 403, 405):
            leaks.append(f"{route}: {status}")
    assert leaks == []


def test_every_post_without_a_csrf_token_fails(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    accepted = []
    for route in ALL:
        if _matches(CSRF_EXEMPT, route):
            continue
        status = client.post(route.path, {"version": 1}).status_code
        if status != 403:
            accepted.append(f"{route}: {status}")
    assert accepted == []


def test_csrf_exempt_views_are_public_webhooks_or_the_api():
    """A view that skips Django's CSRF check is either a DRF endpoint (SessionAuthentication enforces CSRF; the
    test above proves it) or an allow-listed webhook/widget endpoint."""
    strays = [str(r) for r in ALL if r.csrf_exempt and not r.is_api and not _matches(CSRF_EXEMPT, r)]
    assert strays == []
