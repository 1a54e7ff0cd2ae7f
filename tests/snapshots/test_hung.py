"""Hung dependencies, on real servers: PostgreSQL and Redis that accept connections and never
answer (SIGSTOP), the common case in an overload or a partition.

Beacon's web server runs with its production settings on a PostgreSQL and a Redis that this
module starts, freezes and thaws. One web process with four threads, two of them reserved, so
a handful of requests waiting on the hung server is enough to fill what Django may use.
While they wait, the public page, its API, `/healthz` and `/readyz` must keep answering, and
every write must answer the truth: saved, or an error, never a timeout after a commit.
"""

import json
import statistics
import time
from functools import partial

import pytest

from tests.support.processes import wait_for
from tests.support.stack import Answer, Background, Beacon, call, demo_stack, p99

pytestmark = pytest.mark.django_db(transaction=False)

# Generous next to the few milliseconds a stored document takes, and far below the minutes a
# request waited on a hung server before; a loaded machine stays well inside it.
PUBLIC_BOUND = 5.0
# DB_CONNECT_TIMEOUT + DB_QUERY_TIMEOUT + 1 (statuspage/db/base.py) is 8 s, with room for load.
WRITE_BOUND = 30.0


def post_incident(beacon: Beacon, page_id: str, auth: dict[str, str], name: str) -> Answer:
    incident = {"name": name, "status": "investigating"}
    return call(beacon, "POST", f"/v1/pages/{page_id}/incidents", {"incident": incident}, auth)


def post_series(
    beacon: Beacon, page_id: str, auth: dict[str, str], names: list[str]
) -> list[Answer]:
    return [post_incident(beacon, page_id, auth, name) for name in names]


def read_public_while(beacon: Beacon, waiting: Background, seconds: float) -> list[Answer]:
    """What visitors and probes get while the requests in `waiting` are held up."""
    answers = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in ("/", "/api/v2/summary.json", "/api/v2/status.json", "/healthz"):
            answer = call(beacon, "GET", path, timeout=30)
            assert answer.status == 200, (path, answer)
            answers.append(answer)
        if all(not thread.is_alive() for thread in waiting.threads):
            break
    return answers


@pytest.fixture(scope="module")
def hung_stack(tmp_path_factory):
    extra = {"WEB_CONCURRENCY": "1", "WEB_THREADS": "4", "WEB_RESERVED_THREADS": "2"}
    with demo_stack(tmp_path_factory.mktemp("hung"), extra=extra) as running:
        page_id, auth = running.beacon.operator_api()
        yield running.beacon, running.postgres, running.redis, auth, page_id


def answers_ok(beacon: Beacon, path: str) -> bool:
    return call(beacon, "GET", path).status == 200


def warm(beacon: Beacon) -> None:
    for path in ("/", "/api/v2/summary.json", "/api/v2/status.json"):
        wait_for(
            partial(answers_ok, beacon, path),
            timeout=30,
            what=f"{path} answering",
            log=beacon.log,
        )


def test_with_redis_hung_posts_answer_the_truth_and_the_public_page_keeps_answering(hung_stack):
    beacon, _, redis, auth, page_id = hung_stack
    warm(beacon)
    healthy = read_public_while(beacon, Background([]), 1.0)

    redis.freeze()
    try:
        # Two at a time: as many as the web process lets into Django at once here.
        posts = Background(
            [
                partial(
                    post_series, beacon, page_id, auth, [f"Hung Redis {n}-{m}" for m in range(5)]
                )
                for n in range(2)
            ]
        )
        public = read_public_while(beacon, posts, 20.0)
        answers = [answer for series in posts.join(WRITE_BOUND) for answer in series]
        ready = call(beacon, "GET", "/readyz", timeout=30)
    finally:
        redis.thaw()

    print(
        f"Redis hung: posts answered in max {max(a.seconds for a in answers):.2f} s "
        f"(median {statistics.median(a.seconds for a in answers):.2f} s); public p99 "
        f"{p99(public) * 1000:.1f} ms over {len(public)} reads, healthy p99 "
        f"{p99(healthy) * 1000:.1f} ms"
    )
    assert all(answer.seconds < PUBLIC_BOUND for answer in public), p99(public)
    assert ready.status == 503, ready
    assert json.loads(ready.body)["redis"].startswith("unavailable")
    assert json.loads(ready.body)["database"] == "ok"
    # A post never waits on the broker: each one is saved and says so at once.
    assert [answer.status for answer in answers] == [201] * 10, answers
    assert all(answer.seconds < WRITE_BOUND for answer in answers)
    created = [json.loads(answer.body)["name"] for answer in answers]
    assert sorted(beacon.incident_names("Hung Redis")) == sorted(created)
    # The posts show on the page without Redis: the snapshot publisher needs none.
    wait_for(
        lambda: b"Hung Redis 1-4" in call(beacon, "GET", "/").body,
        timeout=30,
        what="the page showing what was posted while Redis hung",
        log=beacon.log,
    )
    assert call(beacon, "GET", "/readyz").status == 200


def test_with_postgresql_hung_reads_keep_answering_and_writes_end_in_a_true_error(hung_stack):
    beacon, postgres, _, auth, page_id = hung_stack
    warm(beacon)
    assert call(beacon, "GET", f"/v1/pages/{page_id}/incidents", headers=auth).status == 200

    postgres.freeze()
    try:
        waiting = Background(
            [
                lambda: call(beacon, "GET", f"/v1/pages/{page_id}/incidents", headers=auth)
                for _ in range(8)
            ]
            + [
                partial(post_incident, beacon, page_id, auth, f"Hung PostgreSQL {n}")
                for n in range(4)
            ]
        )
        public = read_public_while(beacon, waiting, 20.0)
        answers = waiting.join(WRITE_BOUND)
        ready = call(beacon, "GET", "/readyz", timeout=30)
        late_public = read_public_while(beacon, Background([]), 1.0)
    finally:
        postgres.thaw()

    print(
        f"PostgreSQL hung: requests needing it answered in max "
        f"{max(a.seconds for a in answers):.2f} s; public p99 {p99(public) * 1000:.1f} ms over "
        f"{len(public)} reads; /readyz in {ready.seconds:.2f} s"
    )
    assert all(answer.seconds < PUBLIC_BOUND for answer in public + late_public)
    assert ready.status == 503, ready
    assert json.loads(ready.body)["database"].startswith("unavailable")
    assert ready.seconds < PUBLIC_BOUND
    # Each request that needed the database ends, in its bound, with a 503 that says why:
    # the database is unavailable, or (once the threads for Django are all waiting) busy.
    assert all(answer.status == 503 for answer in answers), answers
    assert all(answer.seconds < WRITE_BOUND for answer in answers)
    assert any(b"Beacon is busy" in answer.body for answer in answers)
    assert any(b"database is unavailable" in answer.body for answer in answers)
    # ...and the error was true: none of the writes was saved, once PostgreSQL answers again.
    assert beacon.incident_names("Hung PostgreSQL") == []
    # Recovery needs nobody: the next request gets a fresh connection.
    wait_for(
        lambda: call(beacon, "GET", f"/v1/pages/{page_id}/incidents", headers=auth).status == 200,
        timeout=30,
        what="the API answering after PostgreSQL woke up",
        log=beacon.log,
    )
    assert call(beacon, "GET", "/readyz").status == 200
