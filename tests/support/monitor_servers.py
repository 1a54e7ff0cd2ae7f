"""A service for monitors to watch, on 127.0.0.1: it answers as told, and counts.

`ServiceServer` answers every path with its current `status` after `delay` seconds; a test
switches it (up, down, slow) between checks. It counts the requests per path, and the most it
ever served at once per path: one monitor checked twice at the same time shows as 2.
"""

import threading
import time
from collections import Counter

from tests.support.receivers import Answer, LocalHTTPServer, Request


class ServiceServer(LocalHTTPServer):
    methods = ("GET", "POST")

    def __init__(self) -> None:
        super().__init__()
        self.status = 200
        self.delay = 0.0
        self.hits: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.most_at_once: Counter[str] = Counter()
        self.counting = threading.Lock()

    def answer(self, request: Request) -> Answer:
        path = request.path
        with self.counting:
            self.hits[path] += 1
            self.in_flight[path] += 1
            self.most_at_once[path] = max(self.most_at_once[path], self.in_flight[path])
            status, delay = self.status, self.delay
        try:
            if delay:
                time.sleep(delay)
            return status, {"Content-Type": "text/plain"}, b"ok\n" if status < 400 else b"broken\n"
        finally:
            with self.counting:
                self.in_flight[path] -= 1

    def url_for(self, name: str) -> str:
        return f"{self.base}/{name}"
