"""The client behind a tracker, chat-alert or helpdesk connection, for the connection screen's test button
(each has ``source`` and ``ping() -> dict``; ``ping`` raises ``ProviderError``)."""

from __future__ import annotations


def connector_client(connection):
    """``JiraTracker`` / ``LinearTracker`` / ``LocalTracker``, ``SlackAlerts``, or a helpdesk client; ``None`` for
    the local alert log. Raises ``ValidationError`` for a misconfigured connection (no project, team…)."""
    if connection.service == "tracker":
        from .trackers import tracker_backend

        return tracker_backend(connection)
    if connection.service == "alerts":
        if connection.kind != "slack":
            return None
        from .alerts.slack import SlackAlerts

        return SlackAlerts(connection)
    if connection.service == "helpdesk":
        from .helpdesks import helpdesk_client

        return helpdesk_client(connection)
    return None
