"""What one request costs in Python, without a server or a network: the WSGI application the
web server runs, called in a loop.

    python bench/read/inprocess.py [--requests 10000]

Prints microseconds per request for `/healthz` (one middleware), the trivial Django view, the
stored `/` (200, and 304 with its current ETag) and the stored `/api/v2/summary.json`, and the
stored documents' speed as a ratio of the trivial view's.
"""

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.read.stack import Stack


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    args = parser.parse_args()

    with Stack.prepared() as stack:
        stack.setup_django()
        from statuspage.wsgi import application

        host = f"127.0.0.1:{stack.port}"

        def call(path: str, **headers: str) -> tuple[str, dict[str, str]]:
            answer: dict[str, Any] = {}

            def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
                answer["status"] = status
                answer["headers"] = {k.lower(): v for k, v in response_headers}

            environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": path,
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": str(stack.port),
                "SERVER_PROTOCOL": "HTTP/1.1",
                "HTTP_HOST": host,
                "REMOTE_ADDR": "127.0.0.1",
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(b""),
                "wsgi.errors": sys.stderr,
                **headers,
            }
            # Closed as a WSGI server closes it: that gives the capacity limiter its turn back.
            result = application(environ, start_response)
            try:
                b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            return answer["status"], answer["headers"]

        def per_request(make: Callable[[], tuple[str, dict[str, str]]], expect: str) -> float:
            status = make()[0]
            assert status.startswith(expect), status
            started = time.perf_counter()
            for _ in range(args.requests):
                make()
            return (time.perf_counter() - started) / args.requests * 1e6

        call("/")
        time.sleep(2)  # let the publisher catch up with the demo's events once
        etag = call("/")[1]["etag"]
        figures = {
            "/healthz": per_request(lambda: call("/healthz"), "200"),
            "trivial view": per_request(lambda: call("/bench/trivial"), "200"),
            "stored /": per_request(lambda: call("/"), "200"),
            "stored / as 304": per_request(lambda: call("/", HTTP_IF_NONE_MATCH=etag), "304"),
            "stored summary.json": per_request(lambda: call("/api/v2/summary.json"), "200"),
        }
        trivial = figures["trivial view"]
        for name, micros in figures.items():
            print(f"{name:<22} {micros:8.1f} us/request  {trivial / micros:5.2f}x the trivial view")


if __name__ == "__main__":
    main()
