"""A counting HTTP sink for the benchmark, in its own process.

    python http_sink.py PORT EXPECTED OUT slack|twilio

Answers every POST as the provider does when it accepts a message: Slack's incoming webhooks
with 200 and the body `ok`, Twilio's Messages API with 201 and a JSON message resource. When
EXPECTED requests have been answered it writes the wall-clock time of the last one to OUT.
"""

import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def answer(kind: str) -> tuple[int, str, bytes]:
    if kind == "twilio":
        body = {
            "sid": "SM" + uuid.uuid4().hex,
            "status": "queued",
            "num_segments": "1",
            "error_code": None,
            "error_message": None,
        }
        return 201, "application/json", json.dumps(body).encode()
    return 200, "text/html", b"ok"


def main() -> None:
    port, expected, out, kind = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    lock = threading.Lock()
    count = 0

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            nonlocal count
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, content_type, body = answer(kind)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
            with lock:
                count += 1
                if count == expected:
                    out.write_text(f"{time.time()} {count}")

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        # Sixteen sender threads and their pools open connections in bursts.
        request_queue_size = 512

    server = Server(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
