"""Hard restrictions enforced in code (the guard): what customers ask for that only humans may do, what a reply
may never say, and knowledge passages treated as data.

- ``request_flags(text)``: restricted requests (refund, permission change, legal/compliance answer, commitment
  such as agreeing to a price), injection cues and security reports in customer text.
- ``reply_violations(text, passages=…, facts=…)``: commitment language, links outside ``settings.REPLY_LINK_HOSTS``,
  internal passages quoted.
- ``reply_sanitize(text)``: links and images to outside hosts removed.
- ``passages_screen(passages)``: knowledge passages with injection cues dropped (and flagged).

The engine escalates on any request flag before composing and on any reply violation after composing; the review
queue runs ``reply_violations`` on an agent's edited text before sending it.
"""

from .flags import REPLY_KINDS, REQUEST_KINDS, FlagKind, GuardFlag
from .links import outside_links, reply_link_hosts
from .passages import passages_screen
from .replies import reply_sanitize, reply_violations
from .requests import request_flags

__all__ = [
    "REPLY_KINDS",
    "REQUEST_KINDS",
    "FlagKind",
    "GuardFlag",
    "outside_links",
    "passages_screen",
    "reply_link_hosts",
    "reply_sanitize",
    "reply_violations",
    "request_flags",
]
