"""Helpers for tests that run Beacon's real processes (a Celery worker, `manage.py start`)."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

# Variables of the test run that must not leak into a child meant to configure itself.
BEACON_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "SITE_URL",
    "DEBUG",
    "BEACON_VAR_DIR",
    "DJANGO_SETTINGS_MODULE",
    "MAINTENANCE_TICK_SECONDS",
    "DB_CONNECT_TIMEOUT",
    "DB_QUERY_TIMEOUT",
}


def child_env(**env: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in BEACON_VARIABLES}
    return base | {"DJANGO_SETTINGS_MODULE": "statuspage.settings", "PYTHONUNBUFFERED": "1"} | env


def spawn(
    args: list[str],
    env: dict[str, str],
    log: Path,
    *,
    program: str = sys.executable,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """`program` (Python by default) run with `args` from `cwd` (Beacon's folder), its output
    into `log`, in a session of its own so that `stop` reaches its children too."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [program, *args],
            cwd=settings.BASE_DIR if cwd is None else cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> int:
    """SIGTERM, then SIGKILL to the whole process group if it does not go."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


def wait_for(check: Callable[[], object], *, timeout: float, what: str, log: Path) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    text = log.read_text(errors="replace")
    # A process's shutdown often ends its log with noise: its warnings and errors say more.
    levels = ("WARNING/", "ERROR/", "CRITICAL/")
    notable = [line for line in text.splitlines() if any(level in line for level in levels)]
    raise AssertionError(
        f"{what} did not happen; the log's warnings and errors:\n"
        + "\n".join(notable[:60])
        + f"\n...its end:\n{text[-4000:]}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def processes_with_var_dir(var_dir: Path) -> list[int]:
    """Pids of live processes started with BEACON_VAR_DIR=var_dir (Linux /proc)."""
    wanted = f"BEACON_VAR_DIR={var_dir}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if wanted in environ and state != "Z":
            pids.append(int(entry.name))
    return pids


def start_django(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    """Django set up in a fresh interpreter from `env`, without the test run's own database,
    Redis, secret key, DEBUG and site URL."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "SITE_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=clean
        | {"DJANGO_SETTINGS_MODULE": "statuspage.settings", "BEACON_VAR_DIR": str(tmp_path)}
        | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def start_up_refusal(tmp_path, **env: str) -> str:
    """The last line of the error with which Django refused to start with `env` (it must)."""
    result = start_django(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    return result.stderr.strip().splitlines()[-1]
