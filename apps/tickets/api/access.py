"""Per-conversation secrets: the widget gets one at creation and must send it to read or act on the conversation."""

import hmac

from django.utils.crypto import salted_hmac
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from apps.tickets.models import Ticket

TOKEN_HEADER = "X-Conversation-Token"
_SALT = "switchboard.api.conversation-token"


def conversation_token(ticket: Ticket) -> str:
    """The conversation's secret: HMAC-SHA256 (``SECRET_KEY``) of its id, source, external id and creation time.

    Derived, not stored, so an idempotent replay of the create returns the same token; rotating ``SECRET_KEY``
    invalidates every token.
    """
    value = f"{ticket.pk}:{ticket.source}:{ticket.external_id}:{ticket.created_at.isoformat()}"
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()


def conversation_get_for_request(request: Request, pk: int, *, queryset=None) -> Ticket:
    """The ticket ``pk`` if the request's ``X-Conversation-Token`` matches it; 404 otherwise.

    A wrong token and an unknown id look the same, so nobody can probe which conversations exist.
    """
    sent = request.headers.get(TOKEN_HEADER, "")
    ticket = (queryset if queryset is not None else Ticket.objects).filter(pk=pk).first()
    if ticket is None or not sent or not hmac.compare_digest(sent.encode(), conversation_token(ticket).encode()):
        raise NotFound()
    return ticket
