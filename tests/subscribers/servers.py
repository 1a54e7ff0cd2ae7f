"""Real servers for notification tests: an SMTP server (aiosmtpd) that can be told how to answer,
and an HTTP server that receives webhooks."""

import email
import json
import threading
from collections import Counter
from collections.abc import Callable
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
        from tests.ops.processes import free_port

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


class WebhookReceiver:
    """Answers each POST with the next status of `script` (then the last one), and keeps them."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[int] = [200]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with threading.Lock():
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    n = len(receiver.requests)
                status = receiver.script[min(n - 1, len(receiver.script) - 1)]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests]


class HostileHTTPServer:
    """A raw TCP server for webhooks that answers badly on purpose.

    `slow`: reads the request, then sends a status line one byte every `interval` seconds,
    forever (a slow loris: each read gets a byte well within any per-read timeout).
    `huge`: answers 200 at once with an endless body, counting the bytes it got to send.
    `ok`: answers 200 with no body. Every request is counted; `closed` is set once the client
    has hung up on a `slow` or `huge` answer.
    """

    def __init__(self, mode: str, interval: float = 0.5) -> None:
        import socket

        self.mode = mode
        self.interval = interval
        self.requests = 0
        self.bytes_sent = 0
        self.closed = threading.Event()
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> "HostileHTTPServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: Any) -> None:
        import time

        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            with self.lock:
                self.requests += 1
            try:
                if self.mode == "ok":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                elif self.mode == "slow":
                    while not self.stopping.is_set():
                        for byte in b"HTTP/1.1 200 OK":
                            conn.sendall(bytes([byte]))
                            time.sleep(self.interval)
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n")
                    block = b"x" * 65536
                    while not self.stopping.is_set():
                        conn.sendall(block)
                        with self.lock:
                            self.bytes_sent += len(block)
            except OSError:
                self.closed.set()
