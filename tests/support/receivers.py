"""Real HTTP servers that receive webhooks: one that answers as told, one that answers badly."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class _LocalServer:
    """A server on a free port of 127.0.0.1, serving from its own thread once started."""

    thread: threading.Thread

    def start(self) -> Self:
        self.thread.start()
        return self

    @property
    def port(self) -> int:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


class WebhookReceiver(_LocalServer):
    """Answers each POST with the next status of `script` (then the last one), and keeps them.

    `headers` go with every answer (a provider's `Retry-After` with its 429)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[int] = [200]
        self.headers: dict[str, str] = {}
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
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests]


class HostileHTTPServer(_LocalServer):
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

    def _answer(self, conn: Any) -> None:
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
