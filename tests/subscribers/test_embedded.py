"""Embedded mode (SQLite, file broker, no Redis): the same pipeline claims, sends and records."""

import sys
from subprocess import run

from django.conf import settings

from tests.support.mail import SMTPServer
from tests.support.processes import child_env

SCRIPT = """
from components import services as components
from incidents import services as incidents
from pages.models import Page
from subscribers import services, tasks
from subscribers.models import Delivery

page = Page.objects.create(name="Example Status", url="https://status.example.com",
                           is_default=True)
api = components.create_component(page=page, name="API", actor="tests")
for n in range(30):
    services.add_email_subscriber(page=page, email=f"user{n}@example.org", actor="tests",
                                  skip_confirmation=True)
incidents.open_incident(page=page, name="Elevated API errors", body="Looking.",
                        component_statuses={api: "partial_outage"}, actor="tests")
tasks.sweep()  # finds the event, fans it out
tasks.send_due()
print("sent", Delivery.objects.filter(status="sent").count())
"""


def test_the_pipeline_sends_every_message_once_on_sqlite_without_redis(tmp_path):
    smtp = SMTPServer().start()
    try:
        env = child_env(
            BEACON_VAR_DIR=str(tmp_path),
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp.port),
            NOTIFY_RATE_PER_SECOND="1000",
        )
        manage = [sys.executable, "manage.py"]
        cwd = settings.BASE_DIR
        migrated = run([*manage, "migrate", "-v0"], env=env, cwd=cwd, capture_output=True)
        assert migrated.returncode == 0, migrated.stderr.decode()
        # The event must be older than the sweeper's grace period of 2 s.
        script = SCRIPT.replace("tasks.sweep()", "import time; time.sleep(2.5); tasks.sweep()")
        result = run(
            [*manage, "shell", "-c", script], env=env, cwd=cwd, capture_output=True, timeout=120
        )
        assert result.returncode == 0, result.stderr.decode()[-3000:]
        assert "sent 30" in result.stdout.decode()
        assert smtp.recorder.counts() == {f"user{n}@example.org": 1 for n in range(30)}
    finally:
        smtp.stop()
