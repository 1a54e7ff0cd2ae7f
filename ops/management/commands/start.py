"""`manage.py start`: the one command that runs Beacon on this machine.

It prepares the database and static files, makes sure someone can log in, then becomes the
supervisor (ops/supervise.py, the same process without Django) that runs and watches Beacon's
processes: the web server (granian), a Celery worker and Celery beat. In embedded mode, made for
a small machine, beat runs on a thread of the worker and the web server runs one process with
threads; with a DATABASE_URL each is its own process, as in production. Ctrl-C or SIGTERM stops
them all. If one of them dies, the others are stopped too and the command fails, naming it, so
a process manager (systemd, a container runtime) can restart the whole set rather than run a
page that silently never completes maintenance.
"""

import json
import os
import secrets
import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from pages.models import Page
from snapshots import publisher

ADMIN_USERNAME = "admin"
# Celery's worker-to-worker chatter, which Beacon uses none of, with either broker: gossip (the
# other workers' events, for elections and clock sync), mingle (the revoked task ids and clock
# of the workers running at start; Beacon never revokes a task) and heartbeat (an event every
# 2 s for event monitors such as `celery events`). Remote control stays: `celery inspect ping`
# still answers. Idle, they were a third of the worker's main process's CPU
# (docs/performance.md, "Monitors"); the file broker has no broadcast for them anyway.
WORKER_OPTIONS = ["--without-gossip", "--without-mingle", "--without-heartbeat"]


def default_bind() -> str:
    return f"127.0.0.1:{os.environ.get('PORT') or '8000'}"


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
        # Let the background publisher that the demo's writes woke finish before the exec.
        publisher.stop_polling()
        connections.close_all()

        spec = {
            "children": self.children(bind, options["concurrency"]),
            "bind": bind,
            "cwd": str(settings.BASE_DIR),
            "announce": self.announcement(bind, login),
        }
        self.supervise(spec)

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

    def children(self, bind: str, concurrency: int) -> list[dict[str, Any]]:
        """What the supervisor runs: a name for its messages and a command line each."""
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "statuspage"]
        # `celery -A statuspage worker` without the rest of Celery's command line, and without
        # the system checks this command has just run (statuspage/worker.py): less memory.
        worker = [python, "-m", "statuspage.worker", "--skip-checks", "--loglevel=INFO"]
        worker += WORKER_OPTIONS
        if settings.EMBEDDED:
            # SQLite takes one writer at a time; a few threads in one process share it well.
            worker += ["--pool=threads", f"--concurrency={concurrency}"]
        else:
            worker += [f"--concurrency={concurrency}"]
        web = {"name": "web server", "args": [python, "-m", "statuspage.web", "--bind", bind]}
        if settings.EMBEDDED:
            # One worker process runs beat too: one Django process fewer (docs/performance.md).
            return [web, {"name": "Celery worker", "args": [*worker, "--beat-thread"]}]
        beat = [*celery, "beat", "--loglevel=INFO", "--schedule"]
        return [
            web,
            {"name": "Celery worker", "args": worker},
            {"name": "Celery beat", "args": [*beat, settings.CELERY_BEAT_SCHEDULE_FILENAME]},
        ]

    def supervise(self, spec: dict[str, Any]) -> None:
        """Become the supervisor (ops/supervise.py): same process, without Django's memory."""
        read, write = os.pipe()
        data = json.dumps(spec).encode()
        # The spec holds the admin password: a pipe, not the command line others can read.
        if len(data) > 60_000:
            raise CommandError("The supervisor's instructions are too long for a pipe.")
        os.write(write, data)
        os.close(write)
        os.set_inheritable(read, True)
        self.stdout.flush()
        self.stderr.flush()
        os.chdir(settings.BASE_DIR)
        python = sys.executable
        os.execv(python, [python, "-m", "ops.supervise", "--spec-fd", str(read)])

    def announcement(self, bind: str, login: str) -> list[str]:
        host, _, port = bind.rpartition(":")
        if host in {"", "0.0.0.0", "[::]", "::"}:
            host = "127.0.0.1"
        base = f"http://{host}:{port}/"
        mode = (
            "embedded mode: SQLite and a file broker under " + str(settings.VAR_DIR)
            if settings.EMBEDDED
            else "PostgreSQL and " + ("Redis" if settings.REDIS_URL else "a file broker")
        )
        return [
            self.style.SUCCESS(f"Beacon is running at {base} — admin: {base}admin/ {login}"),
            f"({mode}; press Ctrl-C to stop)",
        ]
