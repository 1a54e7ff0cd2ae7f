"""Monitors benchmark: 1,000 HTTP monitors every 30 seconds, through the real path.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/beacon_bench_monitors
    export REDIS_URL=redis://127.0.0.1:6379/12
    .venv/bin/python bench/monitors/run.py [--monitors 1000] [--interval 30] [--rounds 4]
                                           [--warmup-rounds 3] [--concurrency 2]

A local aiohttp server (bench/monitors/target.py, its own process) stands in for the watched
services. The run creates the monitors with their schedules spread evenly over one interval,
then starts one Celery worker (prefork, --concurrency) with beat on a thread and the options
`manage.py start` gives it: beat plans the due checks every MONITOR_PLAN_SECONDS, the worker
claims them on leases, runs them with probes.run_all, records every result and decides. The first
--warmup-rounds intervals decide the new monitors' states (reported on their own); after the
--rounds intervals that follow it stops the worker and reads the results back:

- lateness: how long after its due time each check started (results' checked_at against the
  schedule's phase, which never drifts), p50, p95 and the worst;
- CPU per 1,000 checks: the worker's process tree (beat included), user + system time.

Then, in the same run, a bare asyncio loop makes the same requests (aiohttp, the same
connector settings as the probes) with no database, broker or Celery, and the CPU it takes
per 1,000, BARE_RUNS times over: its figure moves by a third between runs of the same code (the
machine, not the loop), so the ratio is taken against the median of those runs. The ratio is
the real path's checks per CPU-second over the bare loop's: 1.0 would mean scheduling,
recording and deciding cost nothing. PostgreSQL's and Redis's own CPU is not counted in
either. The database named in DATABASE_URL is dropped and recreated, the Redis database in
REDIS_URL flushed and the snapshot store (SNAPSHOT_DIR, under BEACON_VAR_DIR) emptied, so no
run starts from another's documents: point all three at scratch ones.
"""

import argparse
import asyncio
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.read.stack import free_port, recreate_database, use_test_settings  # noqa: E402

use_test_settings()
os.environ.setdefault("BEACON_VAR_DIR", "/tmp/beacon-bench-monitors")
os.environ["MONITOR_ALLOW_PRIVATE_TARGETS"] = "1"
# Time for the worker to start before the first checks fall due.
WARMUP_SECONDS = 15.0
TICKS = os.sysconf("SC_CLK_TCK")
# How many times the bare loop makes the run's requests; the ratio uses the median.
BARE_RUNS = 5


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def start_target(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench/monitors/target.py"), str(port)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None
    process.stdout.readline()  # "ready"
    return process


def tree_cpu_seconds(pid: int) -> float:
    """User + system time of pid, of its children that have exited, and of those alive."""

    def fields(p: int) -> list[str]:
        return Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()

    own = fields(pid)
    ticks = sum(int(v) for v in own[11:15])  # utime stime cutime cstime
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == pid:
            continue
        try:
            stat = fields(int(entry.name))
        except OSError:
            continue
        if int(stat[1]) == pid:  # a live child (the prefork pool)
            ticks += int(stat[11]) + int(stat[12])
    return ticks / TICKS


def make_monitors(count: int, interval: int, port: int, first_due: float) -> None:
    from django.utils import timezone

    from components import services as components
    from monitors.models import Monitor, MonitorKind, MonitorSchedule
    from pages.models import Page

    page = Page.objects.create(name="Bench", url="https://status.example.com", is_default=True)
    # Twenty monitors a component, as a page with fifty services might have.
    parts = [
        components.create_component(page=page, name=f"Service {n}", actor="bench")
        for n in range(math.ceil(count / 20))
    ]
    monitors = Monitor.objects.bulk_create(
        Monitor(
            page=page,
            component=parts[n // 20],
            name=f"check {n}",
            kind=MonitorKind.HTTP,
            target=f"http://127.0.0.1:{port}/m/{n}",
            interval_seconds=interval,
            timeout_seconds=5.0,
        )
        for n in range(count)
    )
    start = timezone.now() + timedelta(seconds=first_due)
    MonitorSchedule.objects.bulk_create(
        MonitorSchedule(
            monitor=m, region="", next_due_at=start + timedelta(seconds=interval * n / count)
        )
        for n, m in enumerate(monitors)
    )


def lateness(interval: int, since: datetime, until: datetime) -> tuple[list[float], int]:
    """How late each check that fell due in [since, until) started, and how many never ran.

    Every schedule keeps its phase, so its due times are any one of them plus whole intervals:
    a result belongs to the last due time before it. A due time without a result counts as a
    whole interval late (it was skipped)."""
    from monitors.models import MonitorResult, MonitorSchedule

    phase = dict(MonitorSchedule.objects.values_list("monitor_id", "next_due_at"))
    step = timedelta(seconds=interval)
    late: list[float] = []
    ran: set[tuple[int, int]] = set()
    rows = MonitorResult.objects.filter(checked_at__gte=since, checked_at__lt=until + step)
    for monitor_id, checked_at in rows.values_list("monitor_id", "checked_at"):
        slot = math.floor((checked_at - phase[monitor_id]) / step)
        due = phase[monitor_id] + slot * step
        if since <= due < until:
            ran.add((monitor_id, slot))
            late.append((checked_at - due).total_seconds())
    missed = 0
    for monitor_id, first in phase.items():
        slot = math.ceil((since - first) / step)
        while first + slot * step < until:
            if (monitor_id, slot) not in ran:
                missed += 1
                late.append(float(interval))
            slot += 1
    return sorted(late), missed


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, math.ceil(share * len(values)) - 1)]


async def bare_loop(urls: list[str], concurrency: int) -> tuple[int, float]:
    import aiohttp

    limit = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=True)
    ok = 0
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url: str) -> bool:
            async with limit, session.get(url) as response:
                await response.content.read(64 * 1024)
                return response.status == 200

        started = time.process_time()
        results = await asyncio.gather(*(one(u) for u in urls))
        cpu = time.process_time() - started
    ok = sum(results)
    return ok, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--warmup-rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    database_url = os.environ["DATABASE_URL"]
    recreate_database(database_url)
    flush_redis(os.environ["REDIS_URL"])
    Path(os.environ["BEACON_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    schedule_file = Path(os.environ["BEACON_VAR_DIR"]) / "celerybeat-schedule"
    schedule_file.unlink(missing_ok=True)

    import django

    django.setup()
    from django.conf import settings

    shutil.rmtree(settings.SNAPSHOT_DIR, ignore_errors=True)
    from django.core.management import call_command
    from django.utils import timezone

    from monitors.models import MonitorResult
    from ops.management.commands.start import WORKER_OPTIONS

    call_command("migrate", verbosity=0)
    port = free_port()
    target = start_target(port)
    make_monitors(args.monitors, args.interval, port, WARMUP_SECONDS)
    due_from = timezone.now() + timedelta(seconds=WARMUP_SECONDS)
    log = Path(os.environ["BEACON_VAR_DIR"]) / "worker.log"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "statuspage",
            "worker",
            "--pool=prefork",
            f"--concurrency={args.concurrency}",
            "--beat-thread",
            "--loglevel=WARNING",
            *WORKER_OPTIONS,
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        # The first rounds decide each new monitor's state (unknown, then up after up_after
        # checks), and catch up if that made them late; after them a check that agrees with
        # the state records and decides nothing, as in a running installation.
        due_from += timedelta(seconds=args.interval * args.warmup_rounds)
        time.sleep(max(0.0, (due_from - timezone.now()).total_seconds()))
        cpu_before = tree_cpu_seconds(worker.pid)
        load_before = os.getloadavg()
        time.sleep(args.interval * args.rounds)
        cpu_used = tree_cpu_seconds(worker.pid) - cpu_before
        load_after = os.getloadavg()
        until = due_from + timedelta(seconds=args.interval * args.rounds)
        # The checks due just before the end are recorded a moment later.
        time.sleep(5)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print(f"the worker took over 60 s to stop; killed (its log: {log})")
            worker.kill()
            worker.wait()

    warm_from = due_from - timedelta(seconds=args.interval * args.warmup_rounds)
    warm, _ = lateness(args.interval, warm_from, due_from)
    late, missed = lateness(args.interval, due_from, until)
    checks = len(late) - missed
    expected = len(late)
    down = MonitorResult.objects.exclude(verdict="up").count()
    urls = [f"http://127.0.0.1:{port}/m/{n % args.monitors}" for n in range(checks)]
    bare_runs = [asyncio.run(bare_loop(urls, 100)) for _ in range(BARE_RUNS)]
    target.terminate()
    target.wait()

    real_per_1000 = cpu_used / checks * 1000
    bare_figures = sorted(cpu / max(ok, 1) * 1000 for ok, cpu in bare_runs)
    bare_per_1000 = statistics.median(bare_figures)
    ok = min(ok for ok, _ in bare_runs)
    print(
        f"{checks} checks of {expected} due in {args.rounds} intervals: {missed} missed, "
        f"{down} results not up"
    )
    print(
        f"lateness p50 {percentile(late, 0.5):.3f} s, p95 {percentile(late, 0.95):.3f} s, "
        f"worst {late[-1]:.3f} s"
    )
    print(
        f"the {args.warmup_rounds} rounds before, deciding {args.monitors} new monitors: "
        f"lateness p95 {percentile(warm, 0.95):.3f} s, worst {warm[-1]:.3f} s"
    )
    print(f"CPU per 1,000 checks: {real_per_1000:.2f} s (worker and beat)")
    runs = ", ".join(f"{figure:.2f}" for figure in bare_figures)
    print(
        f"bare loop: {ok} requests, CPU per 1,000: {bare_per_1000:.2f} s "
        f"(the median of {BARE_RUNS} runs: {runs} s)"
    )
    print(
        f"load average {load_before[0]:.2f} at the start, {load_after[0]:.2f} at the end "
        f"({os.cpu_count()} CPUs)"
    )
    print(f"p95 lateness {percentile(late, 0.95):.2f} s")
    print(f"ratio {bare_per_1000 / real_per_1000:.2f} x the bare loop")


if __name__ == "__main__":
    main()
