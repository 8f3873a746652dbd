"""Helpdesks (Zendesk, Freshdesk, Intercom): history import, tickets from webhooks, replies and notes posted back."""

from .base import PostResult
from .services import (
    PROVIDERS,
    helpdesk_client,
    helpdesk_connection,
    helpdesk_export_rows,
    helpdesk_import,
    helpdesk_reply_post,
    helpdesk_rows_import,
    helpdesk_webhook_ticket,
)

__all__ = [
    "PROVIDERS",
    "PostResult",
    "helpdesk_client",
    "helpdesk_connection",
    "helpdesk_export_rows",
    "helpdesk_import",
    "helpdesk_reply_post",
    "helpdesk_rows_import",
    "helpdesk_webhook_ticket",
]
