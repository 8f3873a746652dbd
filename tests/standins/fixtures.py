"""pytest fixtures around ``tests.standins.server``; import them into your conftest::

from tests.standins.fixtures import standin  # noqa: F401
"""

import pytest

from .server import StandIn


@pytest.fixture
def standin():
    """Factory: ``server = standin({("GET", r"/v1/x"): {...}}, tls=False)``; every server stops after the test."""
    started: list[StandIn] = []

    def start(routes=None, *, tls: bool = False) -> StandIn:
        server = StandIn(routes, tls=tls).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
