"""A tiny route-table HTTP server on 127.0.0.1 (port 0) for tests of vendor SDKs against local stand-ins.

Usage::

    from tests.standins.server import StandIn, Reply

    def charges(req):                      # req: Request(method, path, query, headers, body, json)
        return Reply(200, {"object": "list", "data": [...]})

    with StandIn({("GET", r"/v1/charges"): charges}) as server:
        client = StripeClient("sk_test_x", base_addresses={"api": server.url})
        ...
        assert server.requests[-1].query["customer"] == ["cus_1"]

Routes map ``(METHOD, regex)`` to a handler, a ``Reply``, or a plain dict/list (served as 200 JSON). Regexes are
matched with ``re.fullmatch`` against the path without the query string; named groups are passed to the handler as
``req.params``. A handler may also return a list of replies: they are served in turn, the last one repeating
(e.g. ``[Reply(500), Reply(200, ok)]`` to test retries). ``Reply(delay=2.0)`` sleeps before answering (timeouts).
``tls=True`` serves HTTPS with a throw-away CA from ``trustme``; ``server.ca_pem`` is the CA bundle path for clients
(simple-salesforce forces https). Unknown routes answer 404 with a JSON error body.

Fixtures: ``standin`` (in ``tests/standins/fixtures.py``, import it into a conftest with
``from tests.standins.fixtures import standin  # noqa: F401``) gives a factory that starts servers and stops them
after the test.
"""

from __future__ import annotations

import json
import re
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    """One HTTP answer: ``body`` dict/list is sent as JSON, str/bytes as is."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Request:
    """What the stand-in received (kept in ``StandIn.requests`` in arrival order)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"))


Handler = Callable[[Request], Any] | Reply | dict | list


class StandIn:
    """A threaded HTTP(S) server on 127.0.0.1:<free port> answering from a route table."""

    def __init__(self, routes: dict[tuple[str, str], Handler] | None = None, *, tls: bool = False):
        self.routes: dict[tuple[str, str], Handler] = dict(routes or {})
        self.requests: list[Request] = []
        self.tls = tls
        self.ca_pem = ""
        self._sequences: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    # -- routing ---------------------------------------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Add or replace a route while the server runs."""
        with self._lock:
            self.routes[(method.upper(), pattern)] = handler
            self._sequences.pop((method.upper(), pattern), None)

    def _resolve(self, req: Request) -> Reply:
        with self._lock:
            routes = list(self.routes.items())
        for (method, pattern), handler in routes:
            if method.upper() not in (req.method, "*"):
                continue
            match = re.fullmatch(pattern, req.path)
            if not match:
                continue
            req.params = match.groupdict()
            result = handler(req) if callable(handler) else handler
            if isinstance(result, list) and result and all(isinstance(r, Reply) for r in result):
                with self._lock:
                    index = self._sequences.get((method, pattern), 0)
                    self._sequences[(method, pattern)] = index + 1
                result = result[min(index, len(result) - 1)]
            return result if isinstance(result, Reply) else Reply(200, result)
        return Reply(404, {"error": {"message": f"no stand-in route for {req.method} {req.path}"}})

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def start(self) -> StandIn:
        standin = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                standin.requests.append(req)
                try:
                    reply = standin._resolve(req)
                except Exception as exc:  # a broken handler is a test bug: answer 599 with the error
                    reply = Reply(599, {"error": {"message": f"stand-in handler failed: {exc!r}"}})
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body
                content_type = "application/json"
                if isinstance(body, str):
                    body, content_type = body.encode(), "text/plain; charset=utf-8"
                elif not isinstance(body, bytes):
                    body = json.dumps(body if body is not None else {}).encode()
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": content_type, **reply.headers}
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        if self.tls:
            import trustme

            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1", "localhost")
            self._tmp = tempfile.TemporaryDirectory()
            self.ca_pem = str(Path(self._tmp.name) / "ca.pem")
            ca.cert_pem.write_to_path(self.ca_pem)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._tmp:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server, "stand-in not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """``http(s)://127.0.0.1:<port>`` without a trailing slash."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def hits(self, method: str = "", path_pattern: str = "") -> list[Request]:
        """Received requests filtered by method and a ``re.fullmatch`` path pattern."""
        return [
            r
            for r in self.requests
            if (not method or r.method == method.upper()) and (not path_pattern or re.fullmatch(path_pattern, r.path))
        ]


def serve(routes: dict[tuple[str, str], Handler] | None = None, *, tls: bool = False) -> StandIn:
    """Start a stand-in and return it (call ``.stop()``; prefer the ``standin`` fixture or ``with StandIn(...)``)."""
    return StandIn(routes, tls=tls).start()


def all_routes(*tables: Iterable[tuple[tuple[str, str], Handler]] | dict) -> dict:
    """Merge route tables (later ones win)."""
    merged: dict = {}
    for table in tables:
        merged.update(dict(table))
    return merged
