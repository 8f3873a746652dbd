"""Error pages and the favicon: a 403 says which roles the page is for and links back (it was a bare
"403 Forbidden"), 404 and 500 are pages of the product, and /favicon.ico no longer 404s on every page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_agent_on_a_lead_screen_gets_a_page_naming_the_roles(agent_client):
    response = agent_client.get(reverse("workflows:workflow_list"))
    html = response.content.decode()
    assert response.status_code == 403
    assert 'data-testid="forbidden"' in html and "<nav>" in html  # the product's layout, with its navigation
    assert "This page is for <strong>admins and support leads</strong>" in html
    assert "signed in as <strong>agent1</strong> (Agent)" in html
    assert f'href="{reverse("core:home")}"' in html  # a way back
    came_from = "http://testserver/workflows/review/"
    html = agent_client.get(reverse("workflows:workflow_list"), HTTP_REFERER=came_from).content.decode()
    assert f'<a href="{came_from}">Back to the previous page</a>' in html
    html = agent_client.get(reverse("workflows:workflow_list"), HTTP_REFERER="https://evil.example/").content.decode()
    assert "evil.example" not in html and "Back to the previous page" not in html


def test_class_based_screens_and_posts_name_the_roles_too(agent_client):
    response = agent_client.post(reverse("workflows:workflow_rollout", args=[1]), {"state": "shadow"})
    assert response.status_code == 403 and "admins and support leads" in response.content.decode()


def test_api_403_keeps_the_json_error_body(agent_user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(agent_user)
    response = api.get("/api/v1/metrics/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_not_found_page(lead_client, client):
    response = lead_client.get("/no-such-screen/")
    html = response.content.decode()
    assert response.status_code == 404 and 'data-testid="not-found"' in html and "<nav>" in html
    assert "/no-such-screen/" in html and f'href="{reverse("core:home")}"' in html
    assert client.get("/no-such-screen/").status_code == 404  # anonymous: the same page without navigation
    api = client.get("/api/v1/no-such-endpoint/")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_server_error_page_needs_no_context_and_no_database(django_assert_num_queries):
    from django.template import loader

    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()  # what django.views.defaults.server_error does
    assert 'data-testid="server-error"' in html and 'href="/"' in html


def test_server_error_through_the_handler(lead_user, settings):
    from django.urls import path

    def boom(request):
        raise RuntimeError("boom")

    settings.ROOT_URLCONF = type(
        "urls", (), {"urlpatterns": [path("boom/", boom)], "handler500": "apps.core.api.errors.server_error"}
    )
    client = Client(raise_request_exception=False)
    client.force_login(lead_user)
    response = client.get("/boom/")
    assert response.status_code == 500 and 'data-testid="server-error"' in response.content.decode()


def test_favicon(lead_client, client):
    html = lead_client.get(reverse("workflows:review_queue")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    response = client.get("/favicon.ico")  # browsers ask for it on every page, signed in or not
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
    from django.contrib.staticfiles import finders

    svg = Path(finders.find("favicon.svg")).read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg and len(svg) < 2000
