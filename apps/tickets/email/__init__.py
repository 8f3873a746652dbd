"""Email channel: parsing raw mail, splitting new text from quotes and signatures, threading, inbound and outbound.

- ``parse``: ``email_parse`` (raw RFC 822 bytes), ``text_parse`` (a plain body), ``file_parse`` → ``ParsedEmail``
- ``quotes`` / ``signature`` / ``patterns``: new text vs quoted history vs signature (talon, mail-parser-reply,
  post-filters); ``htmltext``: HTML mail to text; ``caps``: size limits and excerpts
- ``inbound.email_receive``: store one email as a ticket or a follow-up (dedupe, threading, attachments)
- ``threads``: which ticket an email continues; ``outbound.email_reply_send``: reply by email with threading headers
- ``webhook`` (checks for ``apps/tickets/email_views.py``), ``imap`` (poller), ``tasks`` (django-q2), ``conf``
"""

from .parse import EmailAttachment, ParsedEmail, email_parse, file_parse, text_parse
from .quotes import ReplyParts, reply_split

__all__ = ["EmailAttachment", "ParsedEmail", "ReplyParts", "email_parse", "file_parse", "reply_split", "text_parse"]
