"""Scale: render time, SQL queries and memory of each document as the page grows.

    python bench/scale/run.py [--incidents 10,1000,100000] [--components 10,100,1000]

For every pair of sizes, one page is filled with that many components (in groups of ten, each
with status history) and incidents (one every three hours going back, two updates each,
two affected components), then each
document is rendered three times: the median time, the first render's (the update bodies'
HTML not yet remembered), the number of queries and the peak memory allocated by Python
(tracemalloc) are printed. The query count must not grow with the data.

Then each target is checked: `/` at 1,000 components and `/history` at 1,000 incidents, each
against its time and as a ratio of the same document on a page of 10 components and 10
incidents rendered in the same run (the baseline, filled first whatever the sizes asked), and
the query count of every document against the baseline's.
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

BASELINE = (10, 10)
DOCUMENTS = [
    "/",
    "/history",
    "/incidents/<id>",
    "/api/v2/summary.json",
    "/api/v2/incidents.json",
    "/history.atom",
]
# document: (the size it is held to, which of the two it counts, the most milliseconds)
TARGETS = {"/": (1000, "components", 150.0), "/history": (1000, "incidents", 100.0)}


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


def measure(page, key: str) -> tuple[float, float, int, float]:
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
    return statistics.median(times) * 1000, times[0] * 1000, len(queries), peak / 1_048_576


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--components", default="10,100,1000")
    parser.add_argument("--incidents", default="10,1000,100000")
    args = parser.parse_args()

    sizes = [
        (components, incidents)
        for components in map(int, args.components.split(","))
        for incidents in map(int, args.incidents.split(","))
    ]
    with Stack.prepared() as stack:
        stack.setup_django()
        from pages.models import Page

        print(
            f"{'components':>10} {'incidents':>9}  {'document':<26} {'ms':>8} {'first':>8} "
            f"{'queries':>7} {'MiB':>7}"
        )
        results: dict[tuple[int, int, str], tuple[float, float, int, float]] = {}
        for components, incidents in [BASELINE, *(size for size in sizes if size != BASELINE)]:
            page = Page.objects.create(
                name=f"Scale {components}x{incidents}",
                url="https://scale.example.com",
                domain=f"s{components}-{incidents}",
            )
            incident_id = fill(page, components, incidents)
            for shown in DOCUMENTS:
                result = measure(page, shown.replace("<id>", incident_id))
                results[components, incidents, shown] = result
                if (components, incidents) == BASELINE and BASELINE not in sizes:
                    continue
                ms, first, queries, mib = result
                print(
                    f"{components:>10} {incidents:>9}  {shown:<26} {ms:>8.1f} {first:>8.1f} "
                    f"{queries:>7} {mib:>7.1f}",
                    flush=True,
                )
        report(results)


def report(results: dict[tuple[int, int, str], tuple[float, float, int, float]]) -> None:
    print(f"baseline: the same document at {BASELINE[0]} components x {BASELINE[1]} incidents")
    for (components, incidents, shown), (ms, _first, _queries, _mib) in results.items():
        if shown not in TARGETS:
            continue
        size, counted, most = TARGETS[shown]
        if (components if counted == "components" else incidents) != size:
            continue
        base = results[(*BASELINE, shown)][0]
        print(
            f"  {shown:<9} at {components} x {incidents}: {ms:.1f} ms (target <= {most:.0f}: "
            f"{'met' if ms <= most else 'MISSED'}), {ms / base:.1f}x the baseline's {base:.1f} ms"
        )
    grown = sorted(
        {
            shown
            for (components, incidents, shown), (_ms, _first, queries, _mib) in results.items()
            if queries != results[(*BASELINE, shown)][2]
        }
    )
    print(
        "  queries: the same at every size, for every document"
        if not grown
        else f"  queries: NOT constant for {', '.join(grown)}"
    )


if __name__ == "__main__":
    main()
