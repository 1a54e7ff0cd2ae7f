"""A real SMTP server (aiosmtpd) for notification tests, that can be told how to answer."""

import email
import threading
from collections import Counter
from collections.abc import Callable
from email.message import Message
from typing import Any

import public as _beacon_public_app


def _lend_public_decorator() -> None:
    """aiosmtpd imports `public` from the PyPI package of that name, which Beacon's `public` app
    shadows; lend the app module a stand-in for the decorator before aiosmtpd is imported."""

    def public(thing: Any) -> Any:
        return thing

    if not hasattr(_beacon_public_app, "public"):
        _beacon_public_app.public = public  # type: ignore[attr-defined]


_lend_public_decorator()

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import SMTP, Envelope, Session  # noqa: E402

from tests.support.processes import free_port  # noqa: E402

# Given (recipient, how many times it was offered before), answer None to accept or a reply line.
Rule = Callable[[str, int], str | None]


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, Message]] = []
        # The bytes as they came over the wire, for tests of what a mail client would read.
        self.raw: list[tuple[str, bytes]] = []
        self.offered: Counter[str] = Counter()
        self.rule: Rule = lambda rcpt, n: None
        self.drop_once: set[str] = set()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        rcpt = envelope.rcpt_tos[0]
        with self.lock:
            offered = self.offered[rcpt]
            self.offered[rcpt] += 1
        if rcpt in self.drop_once:
            self.drop_once.discard(rcpt)
            server.transport.close()  # type: ignore[union-attr]
            return "421 closing"
        reply = self.rule(rcpt, offered)
        if reply:
            return reply
        raw = envelope.original_content or envelope.content or b""
        message = email.message_from_bytes(raw if isinstance(raw, bytes) else raw.encode())
        with self.lock:
            self.accepted.extend((to, message) for to in envelope.rcpt_tos)
            self.raw.extend(
                (to, raw if isinstance(raw, bytes) else raw.encode()) for to in envelope.rcpt_tos
            )
        return "250 OK"

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(to for to, _ in self.accepted)

    def messages_to(self, rcpt: str) -> list[Message]:
        with self.lock:
            return [m for to, m in self.accepted if to == rcpt]

    def raw_to(self, rcpt: str) -> list[bytes]:
        with self.lock:
            return [r for to, r in self.raw if to == rcpt]


class SMTPServer:
    def __init__(self, port: int = 0) -> None:
        self.recorder = Recorder()
        self.controller = Controller(
            self.recorder, hostname="127.0.0.1", port=port or free_port(), ready_timeout=10
        )

    def start(self) -> "SMTPServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)


def smtp_settings(port: int) -> dict[str, dict[str, Any]]:
    """MAILERS sending through the SMTP server on this port."""
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
