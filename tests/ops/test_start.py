"""`manage.py start` in embedded mode: SQLite, the file broker, the web server and a worker that
runs beat, supervised by a process that does not hold Django."""

import os
import signal
import sqlite3
import urllib.request

import pytest

from tests.support.processes import (
    child_env,
    free_port,
    processes_with_var_dir,
    spawn,
    stop,
    wait_for,
)

SCHEDULE = """
from datetime import timedelta
from django.utils import timezone
from components.models import Component
from maintenance.services import schedule_maintenance
from pages.models import Page
start = timezone.now() + timedelta(seconds=3)
schedule_maintenance(
    page=Page.objects.get(), name="Smoke test window", scheduled_for=start,
    scheduled_until=start + timedelta(hours=1), body="Testing.",
    components=[Component.objects.get(name="Website")], actor="tests",
)
"""


def get(url: str, timeout: float = 30) -> int:
    """The status code, or 0 when there is no answer (printed, for the failure report)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except OSError as exc:
        print("GET", url, "failed:", repr(exc))
        return 0


@pytest.fixture
def beacon(tmp_path):
    var_dir = tmp_path / "var"
    port = free_port()
    env = child_env(BEACON_VAR_DIR=str(var_dir), MAINTENANCE_TICK_SECONDS="1")
    log = tmp_path / "start.log"
    process = spawn(["manage.py", "start", "--bind", f"127.0.0.1:{port}"], env, log)
    yield process, f"http://127.0.0.1:{port}", env, var_dir, log
    stop(process)


def maintenance_status(var_dir, name: str) -> str | None:
    with sqlite3.connect(var_dir / "beacon.sqlite3") as db:
        row = db.execute(
            "SELECT status FROM maintenance_maintenance WHERE name = ?", [name]
        ).fetchone()
    return row[0] if row else None


def test_start_runs_the_site_and_the_scheduler_and_stops_cleanly(beacon):
    process, base, env, var_dir, log = beacon

    def running() -> bool:
        assert process.poll() is None, log.read_text()
        return "Beacon is running at" in log.read_text()

    wait_for(running, timeout=120, what="Beacon starting", log=log)
    output = log.read_text()
    assert f"{base}/admin/ user admin, password " in output
    assert get(f"{base}/") == 200
    assert get(f"{base}/admin/login/") == 200
    assert get(f"{base}/healthz") == 200

    scheduled = spawn(["manage.py", "shell", "-c", SCHEDULE], env, log.with_name("shell.log"))
    assert scheduled.wait(timeout=60) == 0, log.with_name("shell.log").read_text()
    wait_for(
        lambda: maintenance_status(var_dir, "Smoke test window") == "in_progress",
        timeout=90,
        what="beat and the worker starting the maintenance",
        log=log,
    )

    # The file broker keeps all its state under the var directory.
    assert any((var_dir / "broker" / "control").iterdir())

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, log.read_text()
    assert "Beacon stopped." in log.read_text()
    assert get(f"{base}/healthz", timeout=5) == 0
    assert processes_with_var_dir(var_dir) == []


def test_when_one_process_dies_start_stops_the_others_and_names_it(beacon):
    process, base, _env, var_dir, log = beacon
    wait_for(lambda: get(f"{base}/healthz") == 200, timeout=120, what="Beacon starting", log=log)
    # In embedded mode beat runs on a thread of the worker.
    worker = wait_for(
        lambda: [pid for pid in processes_with_var_dir(var_dir) if is_worker(pid)],
        timeout=60,
        what="the worker starting",
        log=log,
    )
    assert isinstance(worker, list)
    os.kill(worker[0], signal.SIGKILL)
    assert process.wait(timeout=60) != 0
    assert "Celery worker exited" in log.read_text()
    assert processes_with_var_dir(var_dir) == []


def test_the_supervisor_holds_no_django_and_no_beat_process_runs_beside_the_worker(beacon):
    process, base, _env, var_dir, log = beacon
    wait_for(lambda: get(f"{base}/healthz") == 200, timeout=120, what="Beacon starting", log=log)
    with open(f"/proc/{process.pid}/cmdline", "rb") as fh:
        assert b"ops.supervise" in fh.read().split(b"\0")
    with open(f"/proc/{process.pid}/status") as fh:
        rss_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    # Django alone takes some 90 MB; the standard library's Python a tenth of that.
    assert rss_kb < 40_000
    # The supervisor, granian's main process and its one worker, and the Celery worker.
    assert len(processes_with_var_dir(var_dir)) == 4


def is_worker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"statuspage.worker" in fh.read().split(b"\0")
    except OSError:
        return False


@pytest.mark.parametrize(
    ("broker", "embedded"),
    [("redis://127.0.0.1:6379/0", False), ("filesystem://localhost//", True)],
)
def test_the_worker_runs_without_celerys_worker_to_worker_chatter(settings, broker, embedded):
    from ops.management.commands.start import Command

    settings.CELERY_BROKER_URL, settings.EMBEDDED = broker, embedded
    children = Command().children("127.0.0.1:8000", 2)

    [worker] = [child["args"] for child in children if child["name"] == "Celery worker"]
    for option in ("--without-gossip", "--without-mingle", "--without-heartbeat"):
        assert worker.count(option) == 1, option
