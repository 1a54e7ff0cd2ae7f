"""Read under write: wrk's load on `/` while an operator posts an incident update every second.

    python bench/read_under_write/run.py [--seconds 20]

The operator is this process, calling the incident service against the same database and
snapshot directory as the web server (as an admin request in a web process would). For each
update, watcher threads poll `/`, the incident page, `/api/v2/summary.json` and
`/history.atom` until the update's text shows, and record how long after the commit it did.
Prints wrk's figures (with any non-2xx answers) and the freshness percentiles.
"""

import argparse
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.read.stack import Stack, print_results, wrk

SURFACES = ["/", "/incidents/{id}", "/api/v2/summary.json", "/history.atom"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()

    with Stack.prepared() as stack:
        stack.start("granian")
        stack.setup_django()
        from incidents import services

        incident = services.open_incident(
            page=__import__("pages.models").models.Page.objects.get(is_default=True),
            name="Read under write",
            body="Investigating.",
            actor="bench",
        )
        surfaces = [s.format(id=incident.pk) for s in SURFACES]
        for surface in surfaces:
            stack.fetch(surface)

        delays: dict[str, list[float]] = {s: [] for s in SURFACES}
        missed: list[str] = []
        load: list[object] = []
        loader = threading.Thread(
            target=lambda: load.append(
                wrk("granian: / under writes", stack.url("/"), seconds=args.seconds)
            ),
        )
        loader.start()

        def watch(marker: bytes, committed: float) -> None:
            pending = dict(zip(surfaces, SURFACES, strict=True))
            deadline = committed + 15
            while pending and time.monotonic() < deadline:
                for surface in list(pending):
                    with urllib.request.urlopen(stack.url(surface), timeout=10) as response:
                        if marker in response.read():
                            delays[pending.pop(surface)].append(time.monotonic() - committed)
                time.sleep(0.02)
            missed.extend(pending)

        watchers = []
        number = 0
        started = time.monotonic()
        while time.monotonic() - started < args.seconds - 3:
            number += 1
            marker = f"Update number {number} of the benchmark"
            services.post_incident_update(
                incident=incident, status="identified", body=marker, actor="bench"
            )
            committed = time.monotonic()
            watcher = threading.Thread(target=watch, args=(marker.encode(), committed))
            watcher.start()
            watchers.append(watcher)
            time.sleep(max(0.0, started + number - time.monotonic()))
        for watcher in watchers:
            watcher.join()
        loader.join()

        print_results(load)  # type: ignore[arg-type]
        print(f"{number} updates posted, one a second; seconds from commit to visible:")
        for surface, values in delays.items():
            values.sort()
            p95 = values[max(0, int(len(values) * 0.95) - 1)] if values else float("nan")
            print(
                f"  {surface:<24} p50 {statistics.median(values):.2f}  p95 {p95:.2f}  "
                f"max {max(values):.2f}  ({len(values)} seen)"
            )
        if missed:
            print(f"not visible within 15 s: {missed}")


if __name__ == "__main__":
    main()
