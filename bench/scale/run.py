"""Scale: render time, SQL queries and memory of each document as the page grows.

    python bench/scale/run.py [--incidents 10,1000,100000] [--components 10,100,1000]

For every pair of sizes, one page is filled with that many components (in groups of ten, each
with status history) and incidents (one every three hours going back, two updates each,
two affected components), then each
document is rendered three times: the median time, the number of queries and the peak memory
allocated by Python (tracemalloc) are printed. The query count must not grow with the data.
Uses the database BENCH_DATABASE_URL (created afresh; default beacon_bench_read).
"""

import argparse
import statistics
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.read.stack import Stack


def fill(page, components: int, incidents: int) -> str:
    from django.utils import timezone

    from components.models import Component, ComponentGroup
    from incidents.models import Incident, IncidentUpdate
    from tests.support.scenes import add_status_history

    now = timezone.now()
    groups = ComponentGroup.objects.bulk_create(
        [ComponentGroup(page=page, name=f"Group {n}", position=n) for n in range(components // 10)]
    )
    made = Component.objects.bulk_create(
        [
            Component(
                page=page,
                name=f"Component {n}",
                position=n,
                start_date=date(2026, 1, 1),
                group=groups[n // 10] if groups and n // 10 < len(groups) else None,
            )
            for n in range(components)
        ]
    )
    add_status_history(made, now, batch_size=5000)
    first = None
    for start in range(0, incidents, 10_000):
        batch = Incident.objects.bulk_create(
            [
                Incident(
                    page=page,
                    name=f"Incident {n}",
                    impact="minor",
                    status="investigating" if n % 1000 == 0 else "resolved",
                    started_at=now - timedelta(hours=3 * n + 1),
                    resolved_at=None if n % 1000 == 0 else now - timedelta(minutes=30),
                )
                for n in range(start, min(incidents, start + 10_000))
            ]
        )
        first = first or batch[0]
        IncidentUpdate.objects.bulk_create(
            [
                IncidentUpdate(
                    incident=i,
                    status=s,
                    body=f"**Update** {i.name}",
                    display_at=i.started_at + timedelta(minutes=k),
                )
                for i in batch
                for k, s in enumerate(("investigating", "resolved"))
            ],
            batch_size=5000,
        )
        Incident.components.through.objects.bulk_create(
            [
                Incident.components.through(
                    incident_id=i.pk, component_id=made[(n + k) % len(made)].pk
                )
                for n, i in enumerate(batch)
                for k in (0, 1)
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
    return first.pk


def measure(page, key: str) -> tuple[float, int, float]:
    from django.db import connection
    from django.utils import timezone

    from snapshots import documents

    document = documents.document(key)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        document.render(page, timezone.now())
        times.append(time.perf_counter() - started)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        document.render(page, timezone.now())
    tracemalloc.start()
    document.render(page, timezone.now())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times) * 1000, len(queries), peak / 1_048_576


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--components", default="10,100,1000")
    parser.add_argument("--incidents", default="10,1000,100000")
    args = parser.parse_args()

    with Stack.prepared() as stack:
        stack.setup_django()
        from pages.models import Page

        print(
            f"{'components':>10} {'incidents':>9}  {'document':<26} {'ms':>8} {'queries':>7} "
            f"{'MiB':>7}"
        )
        for components in map(int, args.components.split(",")):
            for incidents in map(int, args.incidents.split(",")):
                page = Page.objects.create(
                    name=f"Scale {components}x{incidents}",
                    url="https://scale.example.com",
                    domain=f"s{components}-{incidents}",
                )
                incident_id = fill(page, components, incidents)
                for key in [
                    "/",
                    "/history",
                    f"/incidents/{incident_id}",
                    "/api/v2/summary.json",
                    "/api/v2/incidents.json",
                    "/history.atom",
                ]:
                    ms, queries, mib = measure(page, key)
                    shown = key.replace(incident_id, "<id>")
                    print(
                        f"{components:>10} {incidents:>9}  {shown:<26} {ms:>8.1f} {queries:>7} "
                        f"{mib:>7.1f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
