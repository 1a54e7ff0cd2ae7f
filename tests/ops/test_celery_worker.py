"""A real Celery worker process, on Redis and the test database, runs the scheduler's task."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from components.models import ComponentStatus
from maintenance.models import MaintenanceStatus
from maintenance.tasks import run_scheduled_maintenance
from tests.support import personas
from tests.support.processes import child_env, spawn, stop, wait_for
from tests.support.scenes import schedule_upgrade


@pytest.fixture
def worker(transactional_db, tmp_path):
    db = connection.settings_dict
    # A queue of our own: another test run sharing this Redis must not take our task.
    queue = f"beacon-test-{uuid.uuid4().hex[:8]}"
    credentials = f"{db['USER']}:{db['PASSWORD']}" if db.get("PASSWORD") else db["USER"]
    env = child_env(
        DATABASE_URL=f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        SECRET_KEY=settings.SECRET_KEY,
        BEACON_VAR_DIR=str(tmp_path),
    )
    log = tmp_path / "worker.log"
    process = spawn(
        ["-m", "celery", "-A", "statuspage", "worker", "--pool=solo", "-Q", queue], env, log
    )
    yield queue, process, log
    stop(process)


def test_a_worker_process_starts_the_maintenance_that_is_due(worker):
    queue, process, log = worker
    page = personas.example_page()
    api = personas.component(page, "API")
    m = schedule_upgrade(page, timezone.now() - timedelta(minutes=1), components=[api])

    run_scheduled_maintenance.apply_async(queue=queue)

    def started() -> bool:
        assert process.poll() is None, log.read_text()
        m.refresh_from_db()
        return m.status == MaintenanceStatus.IN_PROGRESS

    wait_for(started, timeout=60, what="the maintenance starting", log=log)
    api.refresh_from_db()
    assert api.status == ComponentStatus.UNDER_MAINTENANCE
    assert m.updates.filter(status=MaintenanceStatus.IN_PROGRESS).count() == 1
