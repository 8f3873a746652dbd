"""The inbound email webhook (``POST /tickets/email/inbound/``) for mail services and relays."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError

from .email.conf import setting, setting_int
from .email.inbound import email_receive
from .email.webhook import form_fields, raw_message, request_authentic

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 40 * 1024 * 1024


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt  # no browser session is involved: every request is checked against EMAIL_INBOUND_SECRET instead
@require_POST
def email_inbound(request: HttpRequest) -> JsonResponse:
    """Store one email sent by an inbound-mail service; answers ``201`` (new), ``200`` (already stored), ``400`` (no
    message in the request), ``403`` (bad or missing signature), ``413`` (too large), ``422`` (cannot be stored),
    ``503`` (``EMAIL_INBOUND_SECRET`` not set). ``?mailbox=billing`` names the address it reached."""
    secret = setting("EMAIL_INBOUND_SECRET")
    if not secret:
        return _error("Inbound email is not configured: set EMAIL_INBOUND_SECRET.", 503)
    limit = setting_int("EMAIL_INBOUND_MAX_BYTES", DEFAULT_MAX_BYTES)
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > limit:
        return _error(f"Request body over the {limit:,}-byte limit (EMAIL_INBOUND_MAX_BYTES).", 413)
    body = request.read(limit + 1)
    if len(body) > limit:
        return _error(f"Request body over the {limit:,}-byte limit (EMAIL_INBOUND_MAX_BYTES).", 413)
    content_type = request.META.get("CONTENT_TYPE", "")
    fields = form_fields(content_type, body)
    if not request_authentic(secret=secret, headers=request.headers, body=body, fields=fields):
        logger.warning("inbound email refused: bad signature from %s", request.META.get("REMOTE_ADDR"))
        return _error("Signature or token does not match EMAIL_INBOUND_SECRET.", 403)
    raw = raw_message(content_type, body, fields)
    if not raw:
        return _error(
            "No email found: send the raw message as message/rfc822, or a form with the raw message in 'email' "
            "(SendGrid Inbound Parse, raw mode) or 'body-mime' (Mailgun).",
            400,
        )
    mailbox = (request.GET.get("mailbox") or "support")[:64]
    try:
        ticket, message, created = email_receive(raw=raw, mailbox=mailbox)
    except ApplicationError as error:
        return _error(error.message, 422)
    return JsonResponse(
        {"ticket": ticket.pk, "message": message.pk, "created": created}, status=201 if created else 200
    )
