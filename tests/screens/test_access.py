"""Who may open the three screens and their actions: anonymous users go to the login page, every staff role
(agent, lead, admin) gets in, and a user without a staff role is refused."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SCREENS = ["/workflows/review/", "/escalation/handoffs/", "/analytics/"]


@pytest.mark.parametrize("url", SCREENS)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    target = urlparse(response.url)
    assert target.path == "/accounts/login/"
    assert parse_qs(target.query)["next"] == [url]


@pytest.mark.parametrize("url", SCREENS)
@pytest.mark.parametrize("client_fixture", ["agent_client", "lead_client", "admin_client_"])
def test_each_role_opens_each_screen(request, url, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # the navigation shows all three screens to every staff role
    for link in SCREENS:
        assert f'href="{link}"' in html


@pytest.mark.parametrize("url", SCREENS)
def test_deactivated_user_is_logged_out(client, agent_user, url):
    client.force_login(agent_user)
    agent_user.is_active = False
    agent_user.save()
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    "url",
    [
        "/workflows/review/1/approve/",
        "/workflows/review/1/edit/",
        "/workflows/review/1/reject/",
        "/escalation/handoffs/1/claim/",
        "/escalation/handoffs/1/resolve/",
        "/escalation/handoffs/1/reassign/",
    ],
)
def test_actions_need_login_post_and_csrf(client, agent_user, url):
    assert client.post(url).url.startswith("/accounts/login/")
    client.force_login(agent_user)
    assert client.get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent_user)
    assert strict.post(url, {"version": 1}).status_code == 403  # no CSRF token
