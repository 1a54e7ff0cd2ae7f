"""Real HTTP servers that receive webhooks and stand in for providers' APIs, on 127.0.0.1.

`LocalHTTPServer` is the base of every such server in the tests (webhook receivers, the chat
providers, Twilio, another site embedding the widget): a subclass says what each request gets
in `answer`. `WebhookReceiver` answers as told; `HostileHTTPServer` answers badly on purpose.
"""

import json
import socket
import threading
import time
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self

# What a server sends back: the status, its headers (a Content-Length is added) and the body.
Answer = tuple[int, dict[str, str], bytes]


def json_answer(
    status: int,
    data: Any,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Answer:
    return status, {"Content-Type": content_type, **(headers or {})}, json.dumps(data).encode()


def scripted[T](script: list[T], n: int) -> T:
    """What a server scripted to answer request `n` (from 1): the last entry once it runs out."""
    return script[min(n - 1, len(script) - 1)]


class LocalServer:
    """A server on a free port of 127.0.0.1, serving from its own thread once started."""

    thread: threading.Thread

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        raise NotImplementedError

    @property
    def port(self) -> int:
        raise NotImplementedError

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Where a webhook subscriber points (a provider's server names its own path)."""
        return f"{self.base}/hook"


class StartedServers:
    """The servers a test started, to stop at its end: called with a started server, it keeps
    it and hands it back; `stop_all()` stops every one kept."""

    def __init__(self) -> None:
        self.started: list[LocalServer] = []

    def __call__[S: LocalServer](self, server: S) -> S:
        self.started.append(server)
        return server

    def stop_all(self) -> None:
        for server in self.started:
            server.stop()


class Request(NamedTuple):
    method: str
    path: str
    # Read without regard to case, as HTTP header names are.
    headers: Message
    body: bytes


class LocalHTTPServer(LocalServer):
    """An HTTP server whose requests (of the `methods` it takes; any other gets 501) are read
    whole and given to `answer`. `requests` keeps what `record` is given, in order."""

    methods: tuple[str, ...] = ("POST",)

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def do_HEAD(self) -> None:
                self._answer()

            def _answer(self) -> None:
                if self.command not in server.methods:
                    self.send_error(501, f"Unsupported method ({self.command!r})")
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, headers, content = server.answer(
                    Request(self.command, self.path, self.headers, body)
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, request: Request) -> Answer:
        raise NotImplementedError

    def record(self, entry: dict[str, Any]) -> int:
        """Keeps `entry` in `requests`, and says how many requests there are with it."""
        with self.lock:
            self.requests.append(entry)
            return len(self.requests)

    def record_request(self, request: Request) -> int:
        """Keeps the request's path, headers and body, the way most servers here do."""
        return self.record(
            {"path": request.path, "headers": dict(request.headers), "body": request.body}
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies posted, in order (for servers that `record_request`)."""
        return [json.loads(r["body"]) for r in self.requests]


class WebhookReceiver(LocalHTTPServer):
    """Answers each POST with the next status of `script` (then the last one), and keeps them.

    `headers` go with every answer (a provider's `Retry-After` with its 429)."""

    def __init__(self) -> None:
        super().__init__()
        self.script: list[int] = [200]
        self.headers: dict[str, str] = {}

    def answer(self, request: Request) -> Answer:
        n = self.record_request(request)
        return scripted(self.script, n), dict(self.headers), b""


class HostileHTTPServer(LocalServer):
    """A raw TCP server for webhooks that answers badly on purpose.

    `slow`: reads the request, then sends a status line one byte every `interval` seconds,
    forever (a slow loris: each read gets a byte well within any per-read timeout).
    `huge`: answers 200 at once with an endless body, counting the bytes it got to send.
    `ok`: answers 200 with no body. Every request is counted; `closed` is set once the client
    has hung up on a `slow` or `huge` answer.
    """

    def __init__(self, mode: str, interval: float = 0.5) -> None:
        self.mode = mode
        self.interval = interval
        self.requests = 0
        self.bytes_sent = 0
        self.closed = threading.Event()
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _read_request(self, conn: Any) -> bool:
        """Read a request's head and count it; False when the client hung up first."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        with self.lock:
            self.requests += 1
        return True

    def _answer(self, conn: Any) -> None:
        with conn:
            if not self._read_request(conn):
                return
            try:
                self._misbehave(conn)
            except OSError:
                self.closed.set()

    def _misbehave(self, conn: Any) -> None:
        """What the server sends once it has read a request, as its mode says."""
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
