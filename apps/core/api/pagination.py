"""Cursor pagination for API lists: stable under inserts, no COUNT(*) over large tables."""

from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Newest first by ``created_at`` (ties broken by the cursor's position); ``?page_size=`` up to 200."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class OldestFirstCursorPagination(CreatedCursorPagination):
    """Oldest first: review queues work the longest-waiting item first."""

    ordering = ("created_at", "id")
