"""Email channel: parsing raw mail, splitting new text from quotes and signatures, threading, inbound and outbound.

Public entry points: ``email_parse`` / ``text_parse`` (``parse.py``), ``reply_split`` (``quotes.py``).
"""

from .parse import EmailAttachment, ParsedEmail, email_parse, text_parse
from .quotes import ReplyParts, reply_split

__all__ = ["EmailAttachment", "ParsedEmail", "ReplyParts", "email_parse", "reply_split", "text_parse"]
