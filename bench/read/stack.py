"""Shared by the benchmarks: a Beacon on its own database, app servers, nginx and wrk.

The database named by BENCH_DATABASE_URL (default .../beacon_bench_read)
is created when missing and loaded with the demo page; Redis from BENCH_REDIS_URL (default db 13).
Everything else lives in a temporary directory and is removed at the end.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

BASE = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/beacon_bench_read"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
# gunicorn and uvicorn are not Beacon dependencies; `uv pip install --target DIR gunicorn
# uvicorn` and point BENCH_EXTRA_PATH at DIR to compare them.
EXTRA_PATH = os.environ.get("BENCH_EXTRA_PATH", "")


def use_test_settings() -> None:
    """For a benchmark that runs Beacon in its own process and in workers it starts: run from
    the checkout, with a benchmark-only secret key unless one is set, and the test settings
    (static files from the finders, so no collectstatic is needed)."""
    os.chdir(BASE)
    os.environ.setdefault("SECRET_KEY", "beacon-bench-only-" + "x" * 40)
    os.environ["DJANGO_SETTINGS_MODULE"] = "statuspage.settings_test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recreate_database(url: str) -> None:
    """Drop the database `url` names (closing its connections) and create it empty."""
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def start_nginx(command: list[str], port: int, error_log: Path) -> subprocess.Popen[bytes]:
    """Run nginx with `command`, returning once it accepts connections on `port`."""
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        if process.poll() is not None:
            break
        time.sleep(0.1)
    error = error_log.read_text() if error_log.exists() else ""
    raise RuntimeError(f"nginx did not start: {error}")


class Stack:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="beacon-bench-"))
        self.dir.chmod(0o755)
        self.port = free_port()
        self.processes: list[subprocess.Popen[bytes]] = []

    @classmethod
    @contextmanager
    def prepared(cls) -> Iterator["Stack"]:
        """A stack on a new database holding the demo page; on the way out its servers are
        stopped and its files removed, whatever the benchmark did."""
        stack = cls()
        try:
            print("preparing the database and the demo page…", flush=True)
            stack.prepare()
            yield stack
        finally:
            stack.close()

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=DATABASE_URL,
            REDIS_URL=REDIS_URL,
            SECRET_KEY="beacon-bench-" + "x" * 40,
            SITE_URL=f"http://127.0.0.1:{self.port}",
            BEACON_VAR_DIR=str(self.dir / "var"),
            DJANGO_SETTINGS_MODULE="bench.read.settings",
            WEB_ACCESS_LOG="0",
            PYTHONPATH=":".join(p for p in (str(BASE), EXTRA_PATH) if p),
        )
        env.update(extra)
        return env

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE,
            env=self.env(),
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(done.stdout + done.stderr)
        return done.stdout

    def prepare(self) -> None:
        name = urlparse(DATABASE_URL).path.lstrip("/")
        admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        self.manage("load_demo")

    def setup_django(self) -> None:
        """Django in this process, on the stack's database and files, for a benchmark that
        calls the services or the WSGI application itself."""
        os.environ.update(self.env())
        import django

        django.setup()

    def server_command(self, kind: str) -> list[str]:
        """`granian` is Beacon's production web server and configuration; the others are
        for comparison and need BENCH_EXTRA_PATH (see the module docstring)."""
        bind = f"127.0.0.1:{self.port}"
        py = sys.executable
        if kind == "granian":
            return [py, "-m", "statuspage.web", "--bind", bind]
        gunicorn = [py, "-m", "gunicorn", "statuspage.wsgi:application", "--bind", bind]
        if kind == "gunicorn-gthread":
            return [*gunicorn, "--worker-class", "gthread", "--workers", "2", "--threads", "4"]
        if kind == "gunicorn-sync":
            return [*gunicorn, "--worker-class", "sync", "--workers", "4"]
        if kind == "uvicorn":
            return [
                py,
                "-m",
                "uvicorn",
                "statuspage.asgi:application",
                "--workers",
                "2",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
                "--log-level",
                "warning",
            ]
        raise ValueError(kind)

    def start(self, kind: str = "granian") -> subprocess.Popen[bytes]:
        log = (self.dir / f"{kind}.log").open("ab")
        process = subprocess.Popen(
            self.server_command(kind),
            cwd=BASE,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        self.wait_until_up(f"http://127.0.0.1:{self.port}/healthz")
        return process

    def wait_until_up(self, url: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{url} did not come up; see {self.dir}")

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process in self.processes:
            self.processes.remove(process)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fetch(self, path: str, headers: dict[str, str] | None = None) -> tuple[bytes, Any]:
        """The body and the headers (looked up case-insensitively)."""
        request = urllib.request.Request(self.url(path), headers=headers or {})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read(), response.headers

    def close(self) -> None:
        for process in list(self.processes):
            self.stop(process)
        shutil.rmtree(self.dir, ignore_errors=True)


class Nginx:
    """nginx serving one file's bytes at /, the ceiling for serving a status page."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="beacon-bench-nginx-"))
        self.dir.chmod(0o755)
        (self.dir / "www").mkdir(mode=0o755)
        (self.dir / "www" / "index.html").write_bytes(body)
        (self.dir / "www" / "index.html").chmod(0o644)
        self.port = free_port()
        conf = f"""
worker_processes 2;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log;
daemon off;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  server {{
    listen 127.0.0.1:{self.port};
    root {self.dir}/www;
    location = / {{ default_type "{content_type}"; try_files /index.html =404; }}
  }}
}}
"""
        (self.dir / "nginx.conf").write_text(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = start_nginx(
            [nginx, "-c", str(self.dir / "nginx.conf"), "-p", str(self.dir)],
            self.port,
            self.dir / "error.log",
        )

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    errors: str
    # What the wrk script printed, if it printed anything (the 304 run's count of answers).
    note: str = ""


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def wrk(
    name: str,
    url: str,
    *,
    seconds: int = 20,
    connections: int = 64,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    script_args: list[str] | None = None,
) -> Result:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in (headers or {}).items():
        args += ["-H", f"{key}: {value}"]
    if script is not None:
        args += ["-s", str(script)]
    args.append(url)
    if script_args:
        args += ["--", *script_args]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    note = re.search(r"revalidated:.*", out)
    return Result(
        name,
        rps,
        p50,
        p99,
        int(bad.group(1)) if bad else 0,
        errors.group(0) if errors else "",
        note.group(0) if note else "",
    )


def print_results(results: list[Result]) -> None:
    print(f"{'run':<44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx/3xx':>11}")
    for r in results:
        print(
            f"{r.name:<44} {r.rps:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.non_2xx_3xx:>11}"
            + (f"  {r.errors}" if r.errors else "")
            + (f"  ({r.note})" if r.note else "")
        )
