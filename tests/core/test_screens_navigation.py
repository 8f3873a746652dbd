"""Navigation of the staff screens: every screen a role may open is in the top bar (the audit of history and the
calibration curve were missing), ``/integrations/`` leads to the connections, and the navigation never offers a
link the role is refused."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.choices import Role
from apps.core.context_processors import NAVIGATION

pytestmark = pytest.mark.django_db


def _nav_links(client: Client) -> list[str]:
    html = client.get(reverse("workflows:review_queue")).content.decode()
    nav = html[html.index("<nav>") : html.index("</nav>")]
    return re.findall(r'<a href="([^"]+)"', nav)


def test_audit_and_calibration_are_in_the_navigation_for_leads(lead_client):
    links = _nav_links(lead_client)
    assert reverse("analytics:audit") in links
    assert reverse("workflows:workflow_calibration") in links


def test_agents_see_only_links_they_may_open(agent_client):
    links = _nav_links(agent_client)
    assert reverse("analytics:audit") not in links and reverse("workflows:workflow_calibration") not in links
    assert links and all(agent_client.get(url).status_code == 200 for url in links)


def test_every_navigation_entry_admits_the_roles_it_is_shown_to():
    from django.urls import resolve

    from tests.security.urls import declared_roles

    for name, _label, roles in NAVIGATION:
        declared = declared_roles(resolve(reverse(name)).func)
        assert declared is not None and set(roles) <= set(declared), (name, roles, declared)


@pytest.mark.parametrize(("who", "status"), [("lead", 302), ("admin", 302), ("agent", 403)])
def test_integrations_leads_to_the_connections(who, status, lead_user, admin_user, agent_user):
    client = Client()
    client.force_login({"lead": lead_user, "admin": admin_user, "agent": agent_user}[who])
    response = client.get("/integrations/")
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == reverse("integrations:connection_list") == "/integrations/connections/"
        assert client.get(response["Location"]).status_code == 200


def test_integrations_sends_anonymous_callers_to_sign_in(client):
    response = client.get("/integrations/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_navigation_roles_are_known():
    assert all(set(roles) <= set(Role.values) for _, _, roles in NAVIGATION)
