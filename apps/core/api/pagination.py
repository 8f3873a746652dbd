"""Cursor pagination for API lists: stable under inserts, no COUNT(*) over large tables."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Newest first by ``created_at`` (ties broken by id); ``?page_size=`` up to 200.

    A malformed ``?cursor=`` is a 400 ``validation_error`` on the ``cursor`` parameter (DRF answers 404).
    """

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: [str(exc.detail)]}) from exc


class OldestFirstCursorPagination(CreatedCursorPagination):
    """Oldest first: review queues work the longest-waiting item first."""

    ordering = ("created_at", "id")
