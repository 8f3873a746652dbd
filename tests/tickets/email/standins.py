"""Tiny local stand-ins that speak real IMAP4rev1 and SMTP on 127.0.0.1, for the poller and the SMTP backend.

They implement only what ``imaplib`` and ``smtplib`` send in these tests (IMAP: CAPABILITY, LOGIN, SELECT,
UID SEARCH / FETCH / STORE, LOGOUT; SMTP: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), over real sockets.
"""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    """Messages by UID with their flags; what the IMAP stand-in serves."""

    messages: dict[int, bytes] = field(default_factory=dict)
    flags: dict[int, set[str]] = field(default_factory=dict)
    user: str = "support@example.com"
    password: str = "imap-pw"
    fail_fetch: set[int] = field(default_factory=set)
    commands: list[str] = field(default_factory=list)

    def add(self, raw: bytes) -> int:
        uid = max(self.messages, default=0) + 1
        self.messages[uid] = raw
        self.flags[uid] = set()
        return uid


class _ImapHandler(socketserver.StreamRequestHandler):
    mailbox: Mailbox

    def send(self, line: str | bytes) -> None:
        self.wfile.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")

    def handle(self) -> None:
        self.send("* OK IMAP4rev1 stand-in ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            self.mailbox.commands.append(f"{command} {args}".strip())
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1 UIDPLUS")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "LOGIN":
                user, password = (a.strip('"') for a in args.split(" ", 1))
                ok = (user, password) == (self.mailbox.user, self.mailbox.password)
                self.send(f"{tag} OK LOGIN completed" if ok else f"{tag} NO [AUTHENTICATIONFAILED] bad login")
            elif command == "SELECT":
                self.send(f"* {len(self.mailbox.messages)} EXISTS")
                self.send(f"{tag} OK [READ-WRITE] SELECT completed")
            elif command == "UID":
                self.uid(tag, args)
            elif command == "LOGOUT":
                self.send("* BYE stand-in closing")
                self.send(f"{tag} OK LOGOUT completed")
                return
            else:
                self.send(f"{tag} BAD unknown command")

    def uid(self, tag: str, args: str) -> None:
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        if sub == "SEARCH":
            unseen = [u for u in sorted(self.mailbox.messages) if "\\Seen" not in self.mailbox.flags[u]]
            found = unseen if "UNSEEN" in rest.upper() else sorted(self.mailbox.messages)
            self.send("* SEARCH " + " ".join(map(str, found)))
            self.send(f"{tag} OK SEARCH completed")
        elif sub == "FETCH":
            uid_text, _, what = rest.partition(" ")
            uid = int(uid_text)
            raw = self.mailbox.messages[uid]
            if uid in self.mailbox.fail_fetch:
                self.send(f"{tag} NO message is being repaired")
            elif "RFC822.SIZE" in what:
                self.send(f"* {uid} FETCH (UID {uid} RFC822.SIZE {len(raw)})")
                self.send(f"{tag} OK FETCH completed")
            else:
                part = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" if "HEADER" in what else raw
                name = "BODY[HEADER]" if "HEADER" in what else "BODY[]"
                self.send(f"* {uid} FETCH (UID {uid} {name} {{{len(part)}}}".encode() + b"\r\n" + part + b")\r\n")
                self.send(f"{tag} OK FETCH completed")
        elif sub == "STORE":
            uid_text, _, change = rest.partition(" ")
            uid = int(uid_text)
            self.mailbox.flags[uid].update(re.findall(r"\\\w+", change))
            self.send(f"* {uid} FETCH (UID {uid} FLAGS ({' '.join(sorted(self.mailbox.flags[uid]))}))")
            self.send(f"{tag} OK STORE completed")
        else:
            self.send(f"{tag} BAD unknown UID command")


@dataclass
class Sent:
    sender: str
    recipients: list[str]
    data: bytes


class _SmtpHandler(socketserver.StreamRequestHandler):
    outbox: list[Sent]

    def send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.send("220 stand-in ESMTP")
        sender, recipients = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].decode().upper().strip()
            text = line.decode(errors="replace").strip()
            if verb in ("EHLO", "HELO"):
                self.send("250-stand-in\r\n250 8BITMIME" if verb == "EHLO" else "250 stand-in")
            elif verb == "MAIL":
                sender, recipients = text.split(":", 1)[1].strip().strip("<>"), []
                self.send("250 OK")
            elif verb == "RCPT":
                recipients.append(text.split(":", 1)[1].strip().strip("<>"))
                self.send("250 OK")
            elif verb == "DATA":
                self.send("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.outbox.append(Sent(sender, recipients, bytes(data)))
                self.send("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.send("250 OK")
            elif verb == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(handler: type) -> tuple[_Server, int]:
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def imap_server(mailbox: Mailbox) -> tuple[_Server, int]:
    """Start an IMAP stand-in serving ``mailbox``; returns ``(server, port)`` (call ``server.shutdown()``)."""
    return _serve(type("Handler", (_ImapHandler,), {"mailbox": mailbox}))


def smtp_server(outbox: list[Sent]) -> tuple[_Server, int]:
    """Start an SMTP stand-in appending every accepted message to ``outbox``; returns ``(server, port)``."""
    return _serve(type("Handler", (_SmtpHandler,), {"outbox": outbox}))
