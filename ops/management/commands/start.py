"""`manage.py start`: the one command that runs Beacon on this machine.

It prepares the database and static files, makes sure someone can log in, then runs and
watches the three processes Beacon is made of: the web server (granian), a Celery worker and
Celery beat. Ctrl-C or SIGTERM stops all three. If one of them dies, the others are stopped
too and the command fails, naming it, so a process manager (systemd, a container runtime) can
restart the whole set rather than run a page that silently never completes maintenance.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from pages.models import Page
from snapshots import publisher

ADMIN_USERNAME = "admin"
STOP_TIMEOUT_SECONDS = 25


@dataclass
class Child:
    name: str
    args: list[str]
    process: subprocess.Popen[bytes] | None = None


def default_bind() -> str:
    return f"127.0.0.1:{os.environ.get('PORT') or '8000'}"


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if `start` itself is killed outright (Linux)."""
    os.setsid()
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Command(BaseCommand):
    help = "Migrate, collect static files, load the demo if empty, then run web, worker and beat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=default_bind(),
            help="Address for the web server (default 127.0.0.1:$PORT, PORT defaulting to 8000).",
        )
        parser.add_argument(
            "--no-demo", action="store_true", help="Do not load the demo into an empty database."
        )
        parser.add_argument(
            "--concurrency", type=int, default=2, help="Celery worker concurrency (default 2)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind: str = options["bind"]
        self.say("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_demo"] and not Page.objects.exists():
            call_command("load_demo", stdout=self.stdout)
        login = self.ensure_admin()
        # Render the public pages now, so the first visitor is served a snapshot at once.
        self.say("Rendering the public pages…")
        publisher.publish()
        # The children open their own connections; do not hold one open for hours.
        connections.close_all()

        children = self.children(bind, options["concurrency"])
        self.run(children, bind, login)

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def ensure_admin(self) -> str:
        """Create the `admin` superuser when there is no superuser; describe how to log in."""
        User = get_user_model()
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        if existing is not None:
            return f"user {existing.get_username()} (the account exists; its password is unchanged)"
        from_env = os.environ.get("BEACON_ADMIN_PASSWORD", "")
        password = from_env or secrets.token_urlsafe(12)
        user = User.objects.filter(username=ADMIN_USERNAME).first()
        if user is None:
            user = User.objects.create_superuser(ADMIN_USERNAME, "", password)
        else:
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
        from pages.models import Page
        from pages.roles import assign_role

        # A superuser reaches every page anyway; the membership puts them on the default
        # page's team screen, where they invite the others.
        default_page = Page.objects.filter(is_default=True).first()
        if default_page is not None:
            assign_role(user, "admin", default_page, actor="start")
        shown = "from BEACON_ADMIN_PASSWORD" if from_env else password
        return f"user {ADMIN_USERNAME}, password {shown}"

    def children(self, bind: str, concurrency: int) -> list[Child]:
        python = sys.executable
        worker = [python, "-m", "celery", "-A", "statuspage", "worker", "--loglevel=INFO"]
        if settings.EMBEDDED:
            # SQLite takes one writer at a time; a few threads in one process share it well.
            worker += ["--pool=threads", f"--concurrency={concurrency}"]
        else:
            worker += [f"--concurrency={concurrency}"]
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            # The file broker has no broadcast; skip the worker-to-worker chatter that needs it.
            worker += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
        return [
            Child(
                "web server",
                [python, "-m", "statuspage.web", "--bind", bind],
            ),
            Child("Celery worker", worker),
            Child(
                "Celery beat",
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "statuspage",
                    "beat",
                    "--loglevel=INFO",
                    "--schedule",
                    settings.CELERY_BEAT_SCHEDULE_FILENAME,
                ],
            ),
        ]

    def run(self, children: list[Child], bind: str, login: str) -> None:
        stop_signal: list[int] = []

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop_signal.append(signum)

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        env = os.environ | {"PYTHONUNBUFFERED": "1"}
        try:
            for child in children:
                child.process = subprocess.Popen(
                    child.args, cwd=settings.BASE_DIR, env=env, preexec_fn=_die_with_parent
                )
            announced = False
            while not stop_signal:
                for child in children:
                    assert child.process is not None
                    code = child.process.poll()
                    if code is not None:
                        self.stop(children)
                        raise CommandError(
                            f"The {child.name} exited with code {code}; "
                            "stopped the other processes."
                        )
                if not announced and self.answers(bind):
                    self.announce(bind, login)
                    announced = True
                time.sleep(0.3)
            self.say("Stopping Beacon…")
            self.stop(children)
            self.say("Beacon stopped.")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def answers(self, bind: str) -> bool:
        host, _, port = bind.rpartition(":")
        host = host.strip("[]")
        if host in {"", "0.0.0.0", "::"}:
            host = "127.0.0.1"
        try:
            with socket.create_connection((host, int(port)), timeout=0.5):
                return True
        except (OSError, ValueError):
            return False

    def announce(self, bind: str, login: str) -> None:
        host, _, port = bind.rpartition(":")
        if host in {"", "0.0.0.0", "[::]", "::"}:
            host = "127.0.0.1"
        base = f"http://{host}:{port}/"
        mode = (
            "embedded mode: SQLite and a file broker under " + str(settings.VAR_DIR)
            if settings.EMBEDDED
            else "PostgreSQL and " + ("Redis" if settings.REDIS_URL else "a file broker")
        )
        self.say(self.style.SUCCESS(f"Beacon is running at {base} — admin: {base}admin/ {login}"))
        self.say(f"({mode}; press Ctrl-C to stop)")

    def stop(self, children: list[Child]) -> None:
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
                self.stderr.write(f"The {child.name} did not stop in time; killing it.")
                child.process.kill()
                child.process.wait()
