"""Throwaway PostgreSQL and Redis servers a test can stop and start, and Beacon on top of them.

They run on their own ports (PostgreSQL 5441-5449, Redis 6381-6389) from a temporary
directory, so stopping them never touches the PostgreSQL and Redis the rest of the suite uses.
"""

import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from django.conf import settings

from tests.support.processes import child_env, spawn, stop, wait_for


def pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return path


def port_in(first: int, last: int) -> int:
    """A free port in the range, looked for from a random place in it: suites running side by
    side (each with its own throwaway servers) then rarely reach for the same port at once."""
    start = random.randint(first, last)
    for port in [*range(start, last + 1), *range(first, start)]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def _as_postgres(args: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user there."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@dataclass
class Postgres:
    port: int = 0

    def __post_init__(self) -> None:
        self.port = port_in(5441, 5449)
        # Not under pytest's temporary directory, which only its owner may enter.
        self.folder = Path(tempfile.mkdtemp(prefix="beacon-pg-"))
        self.folder.chmod(0o755)
        self.data = self.folder / "pgdata"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        subprocess.run(
            _as_postgres(
                [pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N"]
            ),
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/beacon"

    def start(self) -> None:
        """Start; the first time, move to another port if another test took this one meanwhile
        (other suites start throwaway servers in the same range)."""
        for _ in range(5):
            if self._pg_ctl_start():
                self.started = True
                return
            if getattr(self, "started", False):
                time.sleep(1)
            else:
                self.port = port_in(5441, 5449)
        raise RuntimeError((self.folder / "pg.log").read_text(errors="replace")[-2000:])

    def _pg_ctl_start(self) -> bool:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        done = subprocess.run(
            _as_postgres(
                [
                    pg_bin("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    options,
                    "-l",
                    str(self.folder / "pg.log"),
                    "-w",
                    "start",
                ]
            ),
            check=False,
            capture_output=True,
        )
        return done.returncode == 0

    def create_database(self) -> None:
        subprocess.run(
            [
                pg_bin("createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "beacon",
            ],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )

    def remove(self) -> None:
        self.thaw()
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def pids(self) -> list[int]:
        """The postmaster and every process it started (the backends serving connections)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        return [postmaster, *children_of(postmaster)]

    def freeze(self) -> None:
        """Hung, not down: connections are still accepted by the kernel, nothing answers."""
        for pid in self.pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if (self.data / "postmaster.pid").exists():
            for pid in self.pids():
                os.kill(pid, signal.SIGCONT)


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """Each live process's pid and the fields of its /proc/PID/stat after the command (the
    state first, then the parent's pid, ...; the command may hold spaces and parentheses, so
    the fields are those after the last ")")."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        yield int(entry.name), fields


def children_of(parent: int) -> list[int]:
    return [pid for pid, fields in process_stats() if int(fields[1]) == parent]


@dataclass
class Redis:
    folder: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.port = port_in(6381, 6389)
        self.folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        for _ in range(5):
            if self._start():
                return
            self.port = port_in(6381, 6389)  # taken meanwhile by another suite's server
        raise RuntimeError("redis-server did not start")

    def _start(self) -> bool:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.folder)]
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [shutil.which("redis-server") or "redis-server", *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                return False
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    time.sleep(0.2)
                    if self.process.poll() is None:
                        return True
            time.sleep(0.1)
        self.stop()
        return False

    def stop(self) -> None:
        if self.process is not None:
            self.thaw()
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """Hung, not down: connections are still accepted by the kernel, nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)


@dataclass
class Beacon:
    """Beacon's web server (statuspage.web), production settings, on the throwaway servers."""

    folder: Path
    database_url: str
    redis_url: str
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.port = port_in(18400, 18999)
        self.log = self.folder / "web.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return child_env(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SECRET_KEY="beacon-snapshot-tests-" + "x" * 40,
            SITE_URL=self.base,
            BEACON_VAR_DIR=str(self.folder / "var"),
            WEB_BIND=f"127.0.0.1:{self.port}",
            WEB_ACCESS_LOG="0",
            **({"WEB_CONCURRENCY": "2"} | self.extra),
        )

    def manage(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def shell(self, code: str, timeout: float = 60) -> str:
        return self.manage("shell", "-c", code, timeout=timeout)

    def load_demo(self) -> None:
        """Migrate the (created) database, collect the static files and load the demo page."""
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        self.manage("load_demo")

    def operator_api(self) -> tuple[str, dict[str, str]]:
        """The default page's id, and the headers of a new operator API key for it."""
        key = self.manage("createapikey", "--name", "tests").strip().splitlines()[-1]
        page_id = self.shell(
            "from pages.models import Page; print(Page.objects.get(is_default=True).pk)"
        ).splitlines()[-1]
        return page_id, {"Authorization": f"OAuth {key}"}

    def incident_names(self, prefix: str) -> list[str]:
        """The names of the incidents saved in the database whose names start with `prefix`."""
        out = self.shell(
            "from incidents.models import Incident; "
            f"[print('name:', n) for n in Incident.objects.filter(name__startswith={prefix!r})"
            ".values_list('name', flat=True)]",
            timeout=120,
        )
        return [line[6:] for line in out.splitlines() if line.startswith("name: ")]

    def start(self) -> None:
        self.process = spawn(["-m", "statuspage.web"], self.env(), self.log)
        wait_for(lambda: self.get("/healthz")[0] == 200, timeout=30, what="web start", log=self.log)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def browser(self) -> urllib.request.OpenerDirector:
        """A client that keeps cookies, as a browser does."""
        return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def operator(self, username: str, password: str) -> urllib.request.OpenerDirector:
        """A browser signed in to the admin."""
        opener = self.browser()
        status, body = self.post_login(opener, username, password)
        assert status == 200, body[:500]
        return opener

    def post_login(
        self, opener: urllib.request.OpenerDirector, username: str, password: str
    ) -> tuple[int, bytes]:
        form = opener.open(self.base + "/admin/login/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token, form
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": password,
                "next": "/admin/",
            }
        ).encode()
        return self.open(opener, "/admin/login/", data)

    def open(
        self, opener: urllib.request.OpenerDirector, path: str, data: bytes | None = None
    ) -> tuple[int, bytes]:
        try:
            with opener.open(self.base + path, data=data, timeout=15) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def get(
        self, path: str, headers: dict[str, str] | None = None, timeout: float = 10
    ) -> tuple[int, Message, bytes]:
        """Status, headers (looked up case-insensitively, as HTTP's are) and body."""
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()
        except OSError:
            return 0, Message(), b""


@dataclass
class Stack:
    beacon: Beacon
    postgres: Postgres
    redis: Redis


@contextmanager
def demo_stack(
    folder: Path,
    *,
    extra: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """A throwaway PostgreSQL and Redis with the demo page loaded, and Beacon's web server
    started on top; all of it stopped and removed afterwards."""
    postgres = Postgres()
    redis = Redis(folder / "redis")
    try:
        postgres.start()
        redis.start()
        beacon = Beacon(folder / "beacon", postgres.url, redis.url, extra=extra or {})
        postgres.create_database()
        beacon.load_demo()
        beacon.start()
        yield Stack(beacon, postgres, redis)
    finally:
        if "beacon" in locals():
            beacon.stop()
        redis.stop()
        postgres.remove()


@dataclass
class Answer:
    status: int
    seconds: float
    body: bytes


def call(
    beacon: Beacon,
    method: str,
    path: str,
    body: dict | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 120,
) -> Answer:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", beacon.port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Host": f"127.0.0.1:{beacon.port}", **(headers or {})}
        if data is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, time.monotonic() - started, response.read())
    except OSError:
        return Answer(0, time.monotonic() - started, b"")
    finally:
        connection.close()


class Background:
    """Requests sent side by side, each on its own thread, answers kept in order."""

    def __init__(self, requests: list[Callable[[], Any]]) -> None:
        self.answers: list[Any] = [None] * len(requests)
        self.threads = [
            threading.Thread(target=self._run, args=(n, request), daemon=True)
            for n, request in enumerate(requests)
        ]
        for thread in self.threads:
            thread.start()

    def _run(self, n: int, request: Callable[[], Any]) -> None:
        self.answers[n] = request()

    def join(self, timeout: float) -> list[Any]:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert all(answer is not None for answer in self.answers), "a request never answered"
        return [answer for answer in self.answers if answer is not None]


def p99(answers: list[Answer]) -> float:
    times = sorted(answer.seconds for answer in answers)
    return times[min(len(times) - 1, int(len(times) * 0.99))]
