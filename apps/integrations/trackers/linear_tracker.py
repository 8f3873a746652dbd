"""Linear through its GraphQL API (``https://api.linear.app/graphql``) with httpx.

Connection: credential ``api_key`` (sent as ``Authorization``), option ``team_id`` (required), ``base_url``
(default ``https://api.linear.app``), ``timeout``, ``retries``, ``backoff``. Before creating, an ``issues`` query
by the description's signature line reuses an existing issue. GraphQL errors (HTTP 200 with an ``errors`` list,
or ``success: false``) are vendor failures and are not retried.
"""

from __future__ import annotations

import httpx

from apps.core.errors import ProviderError, ValidationError
from apps.integrations.connections import connection_credentials, connection_option, vendor_call

from .base import CreatedIssue, IssueDraft

ISSUE_CREATE = """
mutation IssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}
"""
ISSUE_FIND = """
query IssueFind($teamId: ID!, $text: String!) {
  issues(first: 1, filter: {team: {id: {eq: $teamId}}, description: {contains: $text}}) {
    nodes { id identifier url }
  }
}
"""
COMMENT_CREATE = """
mutation CommentCreate($input: CommentCreateInput!) {
  commentCreate(input: $input) { success comment { id } }
}
"""


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)


class LinearTracker:
    source = "linear"

    def __init__(self, connection):
        self.connection = connection
        self.team_id = connection_option(connection, "team_id", "")
        if not self.team_id:
            raise ValidationError(f"Linear connection {connection.name!r} needs a team id.")
        self.client = httpx.Client(
            base_url=(connection.base_url or "https://api.linear.app").rstrip("/"),
            headers={"Authorization": connection_credentials(connection).get("api_key", "")},
            timeout=connection_option(connection, "timeout", 10.0),
            trust_env=False,
        )

    def _graphql(self, operation: str, query: str, variables: dict) -> dict:
        def call() -> dict:
            response = self.client.post("/graphql", json={"query": query, "variables": variables})
            response.raise_for_status()
            return response.json()

        body = vendor_call(self.connection, f"linear.{operation}", call, transient=_transient)
        if body.get("errors"):
            message = "; ".join(e.get("message", "?") for e in body["errors"])
            raise ProviderError(f"linear.{operation} refused: {message}")
        data = (body.get("data") or {}).get(operation) or {}
        if not data.get("success"):
            raise ProviderError(f"linear.{operation} answered success=false")
        return data

    def ping(self) -> dict:
        """The API key's user (``viewer``); raises ``ProviderError``."""

        def call() -> dict:
            response = self.client.post("/graphql", json={"query": "query { viewer { id name } }"})
            response.raise_for_status()
            return response.json()

        body = vendor_call(self.connection, "linear.viewer", call, transient=_transient)
        viewer = (body.get("data") or {}).get("viewer")
        if not viewer:
            raise ProviderError(f"linear.viewer refused: {body.get('errors') or 'no viewer'}")
        return {"user": viewer.get("name", "?"), "team": self.team_id}

    def issue_find(self, *, signature: str) -> dict | None:
        """The team's issue whose description carries ``Error signature: <signature>`` (an issue made before a
        timed-out answer, or by another install), or None."""

        def call() -> dict:
            variables = {"teamId": self.team_id, "text": f"Error signature: {signature}\n"}
            response = self.client.post("/graphql", json={"query": ISSUE_FIND, "variables": variables})
            response.raise_for_status()
            return response.json()

        body = vendor_call(self.connection, "linear.issues", call, transient=_transient)
        if body.get("errors"):
            raise ProviderError(f"linear.issues refused: {'; '.join(e.get('message', '?') for e in body['errors'])}")
        nodes = (((body.get("data") or {}).get("issues")) or {}).get("nodes") or []
        return nodes[0] if nodes else None

    def issue_create(self, *, draft: IssueDraft, issue_id: int = 0) -> CreatedIssue:
        issue = self.issue_find(signature=draft.signature)
        if issue is None:
            data = self._graphql(
                "issueCreate",
                ISSUE_CREATE,
                {"input": {"teamId": self.team_id, "title": draft.summary[:255], "description": draft.description()}},
            )
            issue = data["issue"]
        return CreatedIssue(key=issue["identifier"], url=issue["url"], external_id=issue["id"])

    def issue_comment(self, *, key: str, external_id: str, text: str) -> None:
        self._graphql("commentCreate", COMMENT_CREATE, {"input": {"issueId": external_id, "body": text}})
