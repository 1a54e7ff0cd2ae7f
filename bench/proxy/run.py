"""Proxy: Beacon behind the shipped nginx cache (deploy/nginx/beacon.conf), beside nginx
serving the same bytes as static files, in one run.

    python bench/proxy/run.py [--seconds 15] [--writes 5] [--config FILE]

Beacon runs as in production (bench/read/stack.py: granian, PostgreSQL, Redis, the demo page);
nginx runs the shipped configuration in front of it, and a second nginx serves the bytes of
`/` and `/api/v2/summary.json`, as Beacon last answered them, from files, with the same headers
(but for those nginx makes for a file itself: Content-Type, Content-Length, ETag,
Last-Modified) and the shipped file's settings for opening and sending files. wrk (64 connections,
2 threads) asks each for `/`, `/api/v2/summary.json` and `/` with the ETag it has (304), the
static files and the cache one after the other for each; the ratios are the cache's figure over
the static files' (target >= 0.9), and the CPU nginx's workers used a request, static over
cache. Then the freshness
through the cache: a component's status is changed --writes times, and the time from each
commit to the first response of the cache that shows it is printed (after one write not
counted, as this process's first render loads the templates). --config runs another version
of the file instead of the shipped one (`git show main:deploy/nginx/beacon.conf > old.conf`),
to compare them in one session.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.proxy.cache import SHIPPED, CachingProxy, StaticFiles, file_settings, get
from bench.read.stack import Result, Stack, print_results, wrk
from tests.support.stack import process_stats

REVALIDATE = Path(__file__).resolve().parents[1] / "read" / "revalidate.lua"
PATHS = {"home": "/", "api": "/api/v2/summary.json"}


def worker_cpu(master: int) -> float:
    """CPU seconds (user and system) used so far by the worker processes of an nginx."""
    total = 0
    for _, fields in process_stats():
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def paired_runs(
    static: StaticFiles, proxy: CachingProxy, seconds: int
) -> tuple[list[Result], list[float]]:
    """wrk against `/`, the API and the 304 path, static files and the cache one after the
    other for each, so that both see the same load on the machine; with each run, the CPU
    its nginx's workers used per request in microseconds, which the load beside the run
    moves less than it moves the throughput."""
    results, cpu = [], []
    for label, path, revalidate in [
        ("/", "/", False),
        ("/api/v2/summary.json", PATHS["api"], False),
        ("/ with If-None-Match (304)", "/", True),
    ]:
        for name, server in (("nginx, static files", static), ("nginx cache, Beacon", proxy)):
            options: dict[str, Any] = {}
            if revalidate:
                _, _, headers = get(server.url(path))
                options = {"script": REVALIDATE, "script_args": [headers["ETag"]]}
            before = worker_cpu(server.process.pid)
            result = wrk(f"{name}: {label}", server.url(path), seconds=seconds, **options)
            used = worker_cpu(server.process.pid) - before
            results.append(result)
            cpu.append(used / (result.rps * seconds) * 1e6)
    return results, cpu


def freshness(stack: Stack, proxy: CachingProxy, writes: int) -> list[float]:
    """Seconds from each commit to the first response through the cache that shows it."""
    stack.setup_django()
    from components.models import Component
    from components.services import set_component_status

    component = Component.objects.order_by("position", "pk").first()
    assert component is not None
    delays = []
    # One write first, not counted: this process's first render loads the templates.
    for n in range(writes + 1):
        component.refresh_from_db()
        status = "degraded_performance" if component.status == "operational" else "operational"
        _, before, _ = get(proxy.url(PATHS["api"]))
        set_component_status(component=component, status=status, actor="bench")
        committed = time.monotonic()
        while time.monotonic() - committed < 30:
            _, body, _ = get(proxy.url(PATHS["api"]))
            if body != before:
                if n:
                    delays.append(time.monotonic() - committed)
                break
            time.sleep(0.02)
        else:
            print(f"write {n}: not seen through the cache within 30 s")
        time.sleep(2)  # the next write starts from a settled cache
    return delays


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--writes", type=int, default=5)
    parser.add_argument("--config", type=Path, default=SHIPPED)
    args = parser.parse_args()

    with Stack.prepared() as stack:
        stack.start("granian")
        proxy = CachingProxy(stack.port, conf=args.config).start()
        static = None
        try:
            files = {}
            for path in PATHS.values():
                # Twice: the second answer comes from the cache, which it filled.
                get(proxy.url(path))
                status, body, headers = get(proxy.url(path))
                print(f"through the cache {path}: {status}, X-Cache {headers['X-Cache']}")
                files[path] = (body, headers)
            static = StaticFiles(files, settings=file_settings(args.config))
            results, cpu = paired_runs(static, proxy, args.seconds)
            print_results(results)
            for result, used in zip(results, cpu, strict=True):
                print(f"{result.name:<44} nginx CPU {used:5.1f} us a request")
            pairs = zip(results[::2], results[1::2], strict=True)
            ratios = [cache.rps / plain.rps for plain, cache in pairs]
            print(
                "through the cache, against static files (target >= 0.9): "
                f"/ {ratios[0]:.2f}x, /api/v2/summary.json {ratios[1]:.2f}x, 304s {ratios[2]:.2f}x"
            )
            costs = [plain / cache for plain, cache in zip(cpu[::2], cpu[1::2], strict=True)]
            print(
                "nginx CPU a request, static files over the cache: "
                f"/ {costs[0]:.2f}x, /api/v2/summary.json {costs[1]:.2f}x, 304s {costs[2]:.2f}x"
            )
            delays = freshness(stack, proxy, args.writes)
            if delays:
                print(
                    f"freshness through the cache, commit to changed response, {len(delays)} "
                    f"writes: median {statistics.median(delays):.2f} s, max {max(delays):.2f} s"
                )
        finally:
            proxy.close()
            if static is not None:
                static.close()


if __name__ == "__main__":
    main()
