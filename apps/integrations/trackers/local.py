"""The local demo tracker: issues live only in Switchboard's TrackerIssue table (``make run`` works offline)."""

from __future__ import annotations

from .base import CreatedIssue, IssueDraft


class LocalTracker:
    """Keys are ``LOCAL-<n>`` (n = the TrackerIssue id, set by the caller); comments are the linked-ticket rows."""

    source = "local"

    def __init__(self, connection):
        self.connection = connection

    def ping(self) -> dict:
        return {"issues": self.connection.tracker_issues.count()}

    def issue_create(self, *, draft: IssueDraft, issue_id: int = 0) -> CreatedIssue:
        key = f"LOCAL-{issue_id}"
        return CreatedIssue(key=key, url=f"/admin/integrations/trackerissue/{issue_id}/change/", external_id=key)

    def issue_comment(self, *, key: str, external_id: str, text: str) -> None:
        return None  # the TrackerIssueTicket row is the comment
