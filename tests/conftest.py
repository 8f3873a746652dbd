"""Shared fixtures: users and logged-in clients per role, the shared data folder, an HTMX client."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from apps.core.choices import Role

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's event loop + Django ORM in tests

SHARED_DATA = Path(settings.SHARED_DATA_DIR)
SHARED_CASES = SHARED_DATA.parent / "cases"


def _need_shared(path: Path) -> Path:
    """Return ``path`` under ../shared, failing in CI and skipping elsewhere when it is missing."""
    if path.exists():
        return path
    message = f"shared data missing: {path} (see ../shared/data/README.md)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def shared_data() -> Path:
    return _need_shared(SHARED_DATA)


@pytest.fixture
def shared_cases() -> Path:
    return _need_shared(SHARED_CASES)


def _make_user(django_user_model, username: str, role: str, **extra):
    return django_user_model.objects.create_user(
        username=username,
        password="pw-" + username,
        role=role,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
        **extra,
    )


@pytest.fixture
def admin_user(django_user_model):
    return _make_user(django_user_model, "admin1", Role.ADMIN)


@pytest.fixture
def lead_user(django_user_model):
    return _make_user(django_user_model, "lead1", Role.LEAD)


@pytest.fixture
def agent_user(django_user_model):
    return _make_user(django_user_model, "agent1", Role.AGENT)


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def lead_client(client, lead_user):
    client.force_login(lead_user)
    return client


@pytest.fixture
def agent_client(client, agent_user):
    client.force_login(agent_user)
    return client


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium (installed by scripts/ensure_chromium.sh); skip them without it."""
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if os.access(chromium, os.X_OK):
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {chromium}: run scripts/ensure_chromium.sh")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
