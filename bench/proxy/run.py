"""Proxy: Beacon behind the shipped nginx file (deploy/nginx/beacon.conf), beside nginx
serving the same bytes as static files, in one run.

    python bench/proxy/run.py [--seconds 15] [--writes 5] [--config FILE]

Beacon runs as in production (bench/read/stack.py: granian, PostgreSQL, Redis, the demo page,
its public documents also written as files under PUBLIC_FILES_DIR); nginx runs the shipped
configuration in front of it (which sends those files itself, and the rest through its
cache), and a second nginx serves the bytes of `/` and `/api/v2/summary.json`, as the first
last answered them, from files of its own, with the same headers (but for those nginx makes
for a file itself: Content-Type, Content-Length, ETag, Last-Modified) and the shipped file's
settings for opening and sending files. wrk (64 connections, 2 threads) asks each for `/`,
`/api/v2/summary.json` and `/` with the ETag it has (304), the static files and the shipped
file one after the other for each; the ratios are the shipped file's figure over the static
files' (target >= 0.9), and the CPU nginx's workers used a request, static over shipped. Then
the freshness through the shipped file: a component's status is changed --writes times, and
the time from each commit to the first response that shows it is printed (after one write not
counted, as this process's first render loads the templates). --config runs another version
of the file instead of the shipped one (`git show main:deploy/nginx/beacon.conf > old.conf`),
to compare them in one session; a file from before Beacon wrote files is all cache.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.proxy.cache import (
    FILES_ROOT,
    SHIPPED,
    CachingProxy,
    StaticFiles,
    file_settings,
    get,
)
from bench.read.stack import Result, Stack, print_results, wrk
from tests.support.stack import process_stats

REVALIDATE = Path(__file__).resolve().parents[1] / "read" / "revalidate.lua"
PATHS = {"home": "/", "api": "/api/v2/summary.json"}
# nginx's ETag for a file (mtime-size in hex), where Beacon's is a hash.
FILE_ETAG = re.compile(r'^"[0-9a-f]+-[0-9a-f]+"$')


def sent_by(headers: Any) -> str:
    """Where the shipped file's answer came from: Beacon's file, or the cache (and how)."""
    if FILE_ETAG.match(headers.get("ETag") or ""):
        return "Beacon's file"
    return f"the cache, X-Cache {headers.get('X-Cache')}"


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
        for name, server in (("nginx, static files", static), ("shipped file, Beacon", proxy)):
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
    """Seconds from each commit to the first response of the shipped file that shows it."""
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
            print(f"write {n}: not seen through nginx within 30 s")
        time.sleep(2)  # the next write starts from a settled cache
    return delays


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--writes", type=int, default=5)
    parser.add_argument("--config", type=Path, default=SHIPPED)
    args = parser.parse_args()

    with_files = FILES_ROOT in args.config.read_text()
    with Stack.prepared() as stack:
        stack.start("granian")
        proxy = CachingProxy(
            stack.port, conf=args.config, files=stack.dir / "var" / "public"
        ).start()
        static = None
        try:
            files = {}
            for path in PATHS.values():
                # Twice: the second answer comes from the cache, which it filled; with files,
                # until it comes from the file the publisher writes.
                deadline = time.monotonic() + 30
                while True:
                    get(proxy.url(path))
                    status, body, headers = get(proxy.url(path))
                    came = sent_by(headers)
                    if not with_files or came == "Beacon's file" or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
                print(f"through the shipped file {path}: {status}, from {came}")
                files[path] = (body, headers)
            static = StaticFiles(files, settings=file_settings(args.config))
            results, cpu = paired_runs(static, proxy, args.seconds)
            print_results(results)
            for result, used in zip(results, cpu, strict=True):
                print(f"{result.name:<44} nginx CPU {used:5.1f} us a request")
            pairs = zip(results[::2], results[1::2], strict=True)
            ratios = [cache.rps / plain.rps for plain, cache in pairs]
            print(
                "through the shipped file, against static files (target >= 0.9): "
                f"/ {ratios[0]:.2f}x, /api/v2/summary.json {ratios[1]:.2f}x, 304s {ratios[2]:.2f}x"
            )
            costs = [plain / cache for plain, cache in zip(cpu[::2], cpu[1::2], strict=True)]
            print(
                "nginx CPU a request, static files over the shipped file: "
                f"/ {costs[0]:.2f}x, /api/v2/summary.json {costs[1]:.2f}x, 304s {costs[2]:.2f}x"
            )
            delays = freshness(stack, proxy, args.writes)
            if delays:
                print(
                    "freshness through the shipped file, commit to changed response, "
                    f"{len(delays)} writes: median {statistics.median(delays):.2f} s, "
                    f"max {max(delays):.2f} s"
                )
        finally:
            proxy.close()
            if static is not None:
                static.close()


if __name__ == "__main__":
    main()
