"""Hung dependencies: what visitors and operators get while Redis or PostgreSQL is frozen.

    python bench/faults/run.py [--seconds 15] [--readers 4]

Starts a throwaway PostgreSQL and Redis (tests/support/stack.py), loads the demo page and
runs Beacon's web server on them with production settings and the default threads (2 processes
x 12, 4 of them reserved). Then three phases of `--seconds` each, in the same run, while
`--readers` threads read `/`, `/api/v2/summary.json` and `/healthz` in a loop:

1. healthy: an operator posts an incident through the v1 API, two at a time, back to back;
2. Redis frozen (SIGSTOP): the same posts;
3. PostgreSQL frozen: 40 API requests that need it, sent side by side.

Prints, per phase, the public reads' p50 and p99 and their ratio to the healthy phase's, the
posts' median and slowest answer and their ratio to the healthy phase's, how the requests that
needed PostgreSQL ended and how long they took, and how many posts were saved twice or lost
(names posted against rows in the database, after the thaw).
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings_test")

import django

django.setup()

from tests.support.stack import (  # noqa: E402
    Answer,
    Background,
    Beacon,
    Postgres,
    Redis,
    call,
)

PUBLIC = ["/", "/api/v2/summary.json", "/healthz"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


class Readers:
    def __init__(self, beacon: Beacon, count: int) -> None:
        self.beacon = beacon
        self.answers: list[Answer] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._read, daemon=True) for _ in range(count)]
        for thread in self.threads:
            thread.start()

    def _read(self) -> None:
        while not self.stop.is_set():
            for path in PUBLIC:
                self.answers.append(call(self.beacon, "GET", path, timeout=60))

    def finish(self) -> list[Answer]:
        self.stop.set()
        for thread in self.threads:
            thread.join(70)
        return self.answers


def post(beacon: Beacon, page_id: str, auth: dict[str, str], name: str) -> Answer:
    incident = {"name": name, "status": "investigating"}
    return call(beacon, "POST", f"/v1/pages/{page_id}/incidents", {"incident": incident}, auth)


def posting(beacon: Beacon, page_id: str, auth: dict[str, str], tag: str, seconds: float):
    """Two posting threads, back to back, for `seconds`; returns (name, answer) pairs."""
    results: list[tuple[str, Answer]] = []
    deadline = time.monotonic() + seconds

    def run(lane: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            name = f"{tag} {lane}-{n}"
            results.append((name, post(beacon, page_id, auth, name)))
            n += 1

    threads = [threading.Thread(target=run, args=(lane,), daemon=True) for lane in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    return results


def summary(label: str, reads: list[Answer], base: list[Answer] | None) -> str:
    seconds = [a.seconds for a in reads]
    failed = sum(1 for a in reads if a.status != 200)
    p50, p99 = percentile(seconds, 0.5), percentile(seconds, 0.99)
    line = f"{label:<22} public reads {len(reads):>6}, not 200: {failed}, "
    line += f"p50 {p50 * 1000:7.2f} ms, p99 {p99 * 1000:7.2f} ms"
    if base:
        base_seconds = [a.seconds for a in base]
        line += f"  ({p99 / percentile(base_seconds, 0.99):.2f}x healthy p99)"
    return line


def check_posts(beacon: Beacon, label: str, results: list[tuple[str, Answer]]) -> str:
    created = sorted(name for name, answer in results if answer.status == 201)
    rows = sorted(beacon.incident_names(label))
    twice = len(rows) - len(set(rows))
    lost = len(set(created) - set(rows))
    unconfirmed = len(set(rows) - set(created))
    return (
        f"saved twice {twice}, answered 201 but not saved {lost}, saved but not 201 {unconfirmed}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--readers", type=int, default=4)
    args = parser.parse_args()

    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="beacon-bench-faults-"))
    postgres = Postgres()
    redis = Redis(folder / "redis")
    beacon = Beacon(folder / "beacon", postgres.url, redis.url)
    try:
        print("starting PostgreSQL, Redis and Beacon…", flush=True)
        postgres.start()
        redis.start()
        postgres.create_database()
        beacon.load_demo()
        page_id, auth = beacon.operator_api()
        beacon.start()
        for path in PUBLIC:
            call(beacon, "GET", path)

        readers = Readers(beacon, args.readers)
        healthy_posts = posting(beacon, page_id, auth, "Healthy", args.seconds)
        healthy = readers.finish()

        readers = Readers(beacon, args.readers)
        redis.freeze()
        try:
            redis_posts = posting(beacon, page_id, auth, "Redis hung", args.seconds)
        finally:
            hung_redis = readers.finish()
            redis.thaw()

        readers = Readers(beacon, args.readers)
        postgres.freeze()
        try:
            waiting = Background(
                [
                    lambda: call(beacon, "GET", f"/v1/pages/{page_id}/incidents", headers=auth)
                    for _ in range(40)
                ]
            )
            time.sleep(args.seconds)
            needing = waiting.join(120)
            ready = call(beacon, "GET", "/readyz", timeout=60)
        finally:
            hung_postgres = readers.finish()
            postgres.thaw()

        print()
        print(summary("healthy", healthy, None))
        print(summary("Redis frozen", hung_redis, healthy))
        print(summary("PostgreSQL frozen", hung_postgres, healthy))
        print()
        base = statistics.median(a.seconds for _, a in healthy_posts)
        for label, results in (("Healthy", healthy_posts), ("Redis hung", redis_posts)):
            times = [a.seconds for _, a in results]
            statuses = sorted({a.status for _, a in results})
            print(
                f"posts, {label:<11} {len(results):>4} posted, statuses {statuses}, "
                f"median {statistics.median(times) * 1000:7.1f} ms "
                f"({statistics.median(times) / base:.2f}x healthy), "
                f"slowest {max(times) * 1000:7.1f} ms; "
                f"{check_posts(beacon, label, results)}"
            )
        by_status: dict[str, int] = {}
        for answer in needing:
            kind = "busy" if b"Beacon is busy" in answer.body else "unavailable"
            by_status[f"{answer.status} {kind}"] = by_status.get(f"{answer.status} {kind}", 0) + 1
        print(
            f"PostgreSQL frozen: {len(needing)} API requests needing it ended {by_status}, "
            f"slowest {max(a.seconds for a in needing):.2f} s; /readyz {ready.status} in "
            f"{ready.seconds:.2f} s"
        )
    finally:
        beacon.stop()
        redis.stop()
        postgres.remove()


if __name__ == "__main__":
    main()
