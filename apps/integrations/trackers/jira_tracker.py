"""Jira Cloud / Data Center through the ``jira`` package (REST API v2).

Connection: ``base_url`` (``https://acme.atlassian.net``), credentials ``username`` + ``api_token`` (basic auth),
options ``project`` (key, required), ``issue_type`` (default ``Bug``), ``timeout`` (s), ``retries``, ``backoff``.
Before creating, a JQL search by the signature's label (``sb-sig-<signature>``) reuses an existing issue.
The package's own retry loop is off (``max_retries=0``): retries are the bounded tenacity ones in ``vendor_call``.
"""

from __future__ import annotations

import re

import requests
from jira import JIRA, JIRAError

from apps.core.errors import ValidationError
from apps.integrations.connections import connection_credentials, connection_option, vendor_call

from .base import CreatedIssue, IssueDraft


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, JIRAError):
        return exc.status_code is None or exc.status_code == 429 or exc.status_code >= 500
    return isinstance(exc, requests.ConnectionError | requests.Timeout)


def _label(signature: str) -> str:
    """Jira labels cannot hold spaces: ``sb-sig-<signature>`` with other characters turned into ``_``."""
    return "sb-sig-" + re.sub(r"[^A-Za-z0-9_.-]", "_", signature)[:200]


class JiraTracker:
    source = "jira"

    def __init__(self, connection):
        self.connection = connection
        self.project = connection_option(connection, "project", "")
        if not connection.base_url or not self.project:
            raise ValidationError(f"Jira connection {connection.name!r} needs a base URL and a project key.")
        if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,49}", self.project):
            raise ValidationError(f"Jira project key {self.project!r} is not valid (upper-case letters and digits).")
        creds = connection_credentials(connection)
        self.client = JIRA(
            server=connection.base_url.rstrip("/"),
            basic_auth=(creds.get("username", ""), creds.get("api_token", "")),
            get_server_info=False,
            max_retries=0,
            timeout=connection_option(connection, "timeout", 10.0),
        )

    def ping(self) -> dict:
        """The authenticated user (``GET /rest/api/2/myself``); raises ``ProviderError``."""
        me = vendor_call(self.connection, "jira.myself", self.client.myself, transient=_transient)
        return {"user": me.get("displayName") or me.get("name") or "?", "project": self.project}

    def issue_create(self, *, draft: IssueDraft, issue_id: int = 0) -> CreatedIssue:
        fields = {
            "project": {"key": self.project},
            "summary": draft.summary[:255],
            "description": draft.description(),
            "issuetype": {"name": connection_option(self.connection, "issue_type", "Bug")},
            "labels": ["switchboard", _label(draft.signature)],
        }
        jql = f'project = "{self.project}" AND labels = "{_label(draft.signature)}" ORDER BY created ASC'

        def find_or_create():
            # The search first, in every attempt: an issue the vendor made before a timed-out answer (or another
            # Switchboard install) is reused, so retries never open a second issue for the signature.
            found = self.client.search_issues(jql, maxResults=1, fields="summary")
            return found[0] if found else self.client.create_issue(fields=fields)

        issue = vendor_call(self.connection, "jira.create_issue", find_or_create, transient=_transient)
        url = f"{self.connection.base_url.rstrip('/')}/browse/{issue.key}"
        return CreatedIssue(key=issue.key, url=url, external_id=str(issue.id))

    def issue_comment(self, *, key: str, external_id: str, text: str) -> None:
        vendor_call(
            self.connection, "jira.add_comment", lambda: self.client.add_comment(key, text), transient=_transient
        )
