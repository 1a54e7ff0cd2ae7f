"""A counting SMTP sink for the benchmark, in its own process: python sink.py PORT EXPECTED OUT.

When EXPECTED messages have been accepted it writes the wall-clock time of the last one to OUT.
"""

import sys
import time
from pathlib import Path

import public as _public_app  # Beacon's app shadows the `public` package aiosmtpd imports


def _public(thing):
    return thing


_public_app.public = _public

from aiosmtpd.controller import Controller  # noqa: E402


class Counter:
    def __init__(self, expected: int, out: Path) -> None:
        self.expected = expected
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.count == self.expected:
            self.out.write_text(f"{time.time()} {self.count}")
        return "250 OK"


if __name__ == "__main__":
    port, expected, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    controller = Controller(Counter(expected, out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
