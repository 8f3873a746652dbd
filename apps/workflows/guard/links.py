"""Links and images in text, and which of them point outside ``settings.REPLY_LINK_HOSTS``."""

from __future__ import annotations

import re

from django.conf import settings

from apps.knowledge.grounding import host_allowed, strip_links

DEFAULT_REPLY_LINK_HOSTS = ("tallyflow.example",)

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_MD_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_HREF = re.compile(r"<a\b[^>]*?\bhref\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_BARE_URL = re.compile(r"(?<![\w(\"'=])(?:(?:https?|ftp)://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)


def reply_link_hosts() -> tuple[str, ...]:
    """Hosts (each with its subdomains) a reply may link to: ``settings.REPLY_LINK_HOSTS``."""
    hosts = getattr(settings, "REPLY_LINK_HOSTS", DEFAULT_REPLY_LINK_HOSTS)
    return tuple(h.lower().strip().lstrip(".") for h in hosts if h and h.strip())


def outside_images(text: str) -> list[str]:
    """URLs of Markdown or HTML images in ``text`` whose host is not allowed (relative paths are allowed)."""
    hosts = reply_link_hosts()
    urls = _MD_IMAGE.findall(text or "") + _HTML_IMG_SRC.findall(text or "")
    return [u for u in urls if not host_allowed(u, hosts)]


def outside_links(text: str) -> list[str]:
    """URLs of every link or image in ``text`` (Markdown, HTML, bare) whose host is not allowed."""
    hosts = reply_link_hosts()
    text = text or ""
    urls = _MD_IMAGE.findall(text) + _HTML_IMG_SRC.findall(text) + _MD_LINK.findall(text) + _HTML_HREF.findall(text)
    for match in _BARE_URL.finditer(text):
        urls.append(match.group(0).rstrip(".,;:!?"))
    return list(dict.fromkeys(u for u in urls if not host_allowed(u, hosts)))


def links_strip(text: str) -> str:
    """``text`` without links or images to outside hosts: Markdown/HTML links keep their text, images and bare
    URLs disappear (``apps.knowledge.grounding.strip_links`` with ``reply_link_hosts()``)."""
    cleaned, _ = strip_links(text or "", reply_link_hosts())
    return cleaned
