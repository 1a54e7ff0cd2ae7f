"""The public page survives PostgreSQL and Redis going away, on real servers.

Beacon runs as in production (`python -m statuspage.web`, granian, production settings), on a
PostgreSQL and a Redis that this module starts in a temporary directory and stops at will.
"""

import re
import time
from datetime import UTC, datetime

import pytest

from tests.support.processes import wait_for
from tests.support.stack import Beacon

pytestmark = pytest.mark.django_db(transaction=False)


def last_updated(html: bytes) -> str:
    found = re.search(rb'Last updated <time datetime="([^"]+)">', html)
    assert found, html[-2000:]
    return found.group(1).decode()


def first_incident(html: bytes) -> str:
    found = re.search(rb'href="/incidents/([0-9a-z]+)"', html)
    assert found
    return found.group(1).decode()


def rename(beacon: Beacon, name: str, new_name: str) -> None:
    """An operator's change, made through the component service in another process."""
    beacon.shell(
        "from components.models import Component; from components.services import "
        f"update_component; c = Component.objects.get(name={name!r}); "
        f"update_component(component=c, actor='tests', name={new_name!r})"
    )


def test_with_postgresql_stopped_visitors_get_the_last_snapshot_and_operators_a_503(stack):
    beacon, postgres, _ = stack
    status, _, home = beacon.get("/")
    assert status == 200
    incident = first_incident(home)
    assert beacon.get(f"/incidents/{incident}")[0] == 200
    assert beacon.get("/history")[0] == 200
    assert beacon.get("/readyz")[0] == 200
    olivia = beacon.operator("olivia", "a long passphrase")
    assert beacon.open(olivia, "/admin/")[0] == 200

    stopped_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    postgres.stop()
    try:
        status, headers, during = beacon.get("/")
        assert status == 200
        # "Last updated" is the snapshot's time, from before the database went away.
        assert last_updated(home) <= last_updated(during) <= stopped_at
        time.sleep(1.5)  # past a publisher check, which fails and changes nothing
        assert last_updated(beacon.get("/")[2]) == last_updated(during)
        assert "public" in headers["Cache-Control"]
        status, _, page = beacon.get(f"/incidents/{incident}")
        assert status == 200
        assert b"Last updated" in page
        assert beacon.get("/history")[0] == 200
        assert beacon.get("/healthz")[0] == 200
        # A page never rendered needs the database: a clear 503, not a 500 or a hang.
        status, _, body = beacon.get("/incidents/neverseen")
        assert status == 503
        assert b"cannot reach its database" in body

        status, _, body = beacon.get("/readyz")
        assert status == 503, body
        assert b'"database": "unavailable' in body

        # The signed-in operator, and one signing in, get a clear 503 rather than a 500.
        status, body = beacon.open(olivia, "/admin/")
        assert status == 503
        assert b"cannot reach its database" in body
        status, body = beacon.post_login(beacon.browser(), "olivia", "a long passphrase")
        assert status == 503
    finally:
        postgres.start()

    # After recovery the page follows new writes again, with nobody doing anything.
    rename(beacon, "API", "API after the database came back")
    wait_for(
        lambda: b"API after the database came back" in beacon.get("/")[2],
        timeout=20,
        what="the page showing the change made after PostgreSQL came back",
        log=beacon.log,
    )
    assert beacon.get("/readyz")[0] == 200


def test_with_redis_stopped_pages_are_served_posting_works_and_snapshots_refresh(stack):
    beacon, _, redis = stack
    redis.stop()
    try:
        assert beacon.get("/")[0] == 200
        assert beacon.get("/readyz")[0] == 503

        started = time.monotonic()
        rename(beacon, "Dashboard", "Dashboard while Redis is down")
        print(f"posting with Redis stopped took {time.monotonic() - started:.1f} s")
        wait_for(
            lambda: b"Dashboard while Redis is down" in beacon.get("/")[2],
            timeout=20,
            what="the snapshot refreshed",
            log=beacon.log,
        )
    finally:
        redis.start()
    assert beacon.get("/readyz")[0] == 200
