"""The process that watches Beacon's processes once `manage.py start` has set everything up.

`start` prepares the database in Django, then replaces itself (exec, same process id) with
`python -m ops.supervise --spec-fd N`, reading what to run from that pipe. This module imports
the standard library only: a supervisor holding Django would cost as much memory as a worker
while doing nothing but wait.

It starts each child in its own session, with SIGTERM promised to it should the supervisor be
killed outright (Linux), prints where Beacon answers once the web server accepts connections,
and stops every child on Ctrl-C or SIGTERM ("Beacon stopped.", exit 0). If one child exits, it
stops the others and exits 1 naming that child, so a process manager restarts the whole set.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

# Not `typing.TYPE_CHECKING`: typing (with dataclasses, which brings inspect, ast and dis) is
# about 2 MB of this process's 8 (docs/performance.md, "Footprint of embedded mode").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

STOP_TIMEOUT_SECONDS = 25
# How often the children are checked; also the longest a Ctrl-C waits to be noticed.
POLL_SECONDS = 0.5


class Child:
    def __init__(self, name: str, args: list[str]) -> None:
        self.name = name
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the supervisor itself is killed outright."""
    os.setsid()
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def answers(bind: str) -> bool:
    host, _, port = bind.rpartition(":")
    host = host.strip("[]")
    if host in {"", "0.0.0.0", "::"}:
        host = "127.0.0.1"
    # An ASCII host as bytes: getaddrinfo() encodes any str with the idna codec, which loads
    # unicodedata (0.7 MB); socket.create_connection() takes only a str.
    name: str | bytes = host.encode() if host.isascii() else host
    try:
        found = socket.getaddrinfo(name, int(port), type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        return False
    for family, kind, proto, _name, address in found:
        with socket.socket(family, kind, proto) as sock:
            sock.settimeout(0.5)
            try:
                sock.connect(address)
            except OSError:
                continue
            return True
    return False


def say(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def stop(children: list[Child]) -> None:
    running = [c for c in children if c.process is not None and c.process.poll() is None]
    for child in running:
        assert child.process is not None
        child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for child in running:
        assert child.process is not None
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            sys.stderr.write(f"The {child.name} did not stop in time; killing it.\n")
            child.process.kill()
            child.process.wait()


def run(spec: dict[str, Any]) -> int:
    """Run the children of spec until a signal (0) or until one of them exits (1)."""
    children = [Child(c["name"], c["args"]) for c in spec["children"]]
    stop_signal: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop_signal.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    for child in children:
        child.process = subprocess.Popen(
            child.args, cwd=spec["cwd"], env=env, preexec_fn=_die_with_parent
        )
    announced = False
    while not stop_signal:
        for child in children:
            assert child.process is not None
            code = child.process.poll()
            if code is not None:
                stop(children)
                sys.stderr.write(
                    f"CommandError: The {child.name} exited with code {code}; "
                    "stopped the other processes.\n"
                )
                return 1
        if not announced and answers(spec["bind"]):
            for line in spec["announce"]:
                say(line)
            announced = True
        time.sleep(POLL_SECONDS)
    say("Stopping Beacon…")
    stop(children)
    say("Beacon stopped.")
    return 0


def main(argv: list[str]) -> None:
    if len(argv) != 2 or argv[0] != "--spec-fd" or not argv[1].isdigit():
        sys.exit("usage: python -m ops.supervise --spec-fd N (run by manage.py start)")
    with os.fdopen(int(argv[1]), "rb") as pipe:
        spec = json.loads(pipe.read())
    sys.exit(run(spec))


if __name__ == "__main__":
    main(sys.argv[1:])
