"""Issue trackers (Jira via ``jira``, Linear via GraphQL over httpx, and a local demo tracker).

``bug_report(*, signature, summary, steps, ticket, customers=1) -> TrackerLink`` opens one issue per error
signature and links every later ticket to it (see ``services.bug_report``).
"""

from .services import TrackerLink, bug_report, tracker_backend, tracker_connection

__all__ = ["TrackerLink", "bug_report", "tracker_backend", "tracker_connection"]
