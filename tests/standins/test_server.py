"""The stand-in server itself: routes, sequences, 404, TLS with the trustme CA."""

import requests

from .server import Reply, StandIn


def test_routes_sequences_and_unknown_paths():
    with StandIn({("GET", r"/v1/items/(?P<item>\w+)"): lambda r: {"id": r.params["item"], "q": r.query}}) as s:
        s.route("POST", r"/flaky", [Reply(500, {"error": "x"}), Reply(200, {"ok": True})])
        body = requests.get(f"{s.url}/v1/items/abc?x=1", timeout=5).json()
        assert body == {"id": "abc", "q": {"x": ["1"]}}
        assert requests.post(f"{s.url}/flaky", json={"a": 1}, timeout=5).status_code == 500
        assert requests.post(f"{s.url}/flaky", timeout=5).json() == {"ok": True}
        assert requests.post(f"{s.url}/flaky", timeout=5).status_code == 200  # last reply repeats
        assert requests.get(f"{s.url}/nope", timeout=5).status_code == 404
        assert s.hits("POST", r"/flaky")[0].json == {"a": 1}


def test_tls_with_throwaway_ca():
    with StandIn({("GET", r"/ping"): {"pong": 1}}, tls=True) as s:
        session = requests.Session()
        session.trust_env = False
        session.verify = s.ca_pem
        assert s.url.startswith("https://127.0.0.1:")
        assert session.get(f"{s.url}/ping", timeout=5).json() == {"pong": 1}
