"""Footprint: the memory (PSS) and idle CPU of every process `manage.py start` runs.

    python bench/footprint/run.py [--settle 75] [--idle 60] [--before REF] [--production]

Starts `manage.py start` as the README's first command does (with the demo), in embedded mode
(no DATABASE_URL, a fresh var directory under the temporary directory), waits until it answers,
lets it settle, then sums PSS (/proc/PID/smaps_rollup) over the process tree and measures the
CPU time the tree uses over --idle seconds with nobody asking anything. The settling time
includes a first refresh of the time-relative documents (SNAPSHOT_REFRESH_SECONDS, 60 s), so
that the idle figure is the steady state, one refresh a minute, and not a process's first.
Targets: 200 MB PSS in all, 0.5% of a core.

--before REF measures a checkout of REF (a `git clone` into the temporary directory, run with
this checkout's Python) in the same run, first. --production measures production mode too, with
DATABASE_URL and REDIS_URL from the environment (the database must exist and be empty or
migrated).
"""

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.stack import process_stats

ROOT = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")
PSS_TARGET_MB = 200
CPU_TARGET_PERCENT = 0.5
BEACON_VARIABLES = ("DATABASE_URL", "REDIS_URL", "BEACON_VAR_DIR", "DJANGO_SETTINGS_MODULE")


@dataclass
class Figures:
    label: str
    pss_mb: float
    processes: int
    cpu_percent: float
    rows: list[str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree(root: int) -> list[int]:
    """root and every live descendant of it."""
    children: dict[int, list[int]] = {}
    for pid, fields in process_stats():
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def pss_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in kB."""
    values = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("Pss", "Rss"):
                values[key] = int(rest.split()[0])
    return values.get("Pss", 0), values.get("Rss", 0)


def cpu_ticks(pid: int) -> dict[str, int]:
    """CPU ticks (user + system) of each thread of pid, by "pid/thread name"."""
    ticks: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                stat = (task / "stat").read_text()
                name = stat[stat.index("(") + 1 : stat.rindex(")")]
                fields = stat.rsplit(")", 1)[1].split()
                key = f"{pid}/{task.name} {name}"
                ticks[key] = int(fields[11]) + int(fields[12])
    return ticks


def describe(pid: int) -> str:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [a.decode(errors="replace") for a in args if a][1:]
    return " ".join(words)[:90]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def started(label: str, cwd: Path, env: dict[str, str], log: Path) -> Iterator[tuple[int, str]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "start", "--bind", f"127.0.0.1:{port}"],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        while not answers(f"{base}/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{label}: start did not answer:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        # Ask each public document once, as the first visitors would.
        for path in ("/", "/api/v2/summary.json", "/history"):
            answers(base + path)
        yield process.pid, base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def measure(label: str, cwd: Path, env: dict[str, str], settle: float, idle: float) -> Figures:
    log = Path(env["BEACON_VAR_DIR"]).with_suffix(".log")
    print(f"{label}: starting in {cwd} (log {log})", flush=True)
    with started(label, cwd, env, log) as (pid, _base):
        time.sleep(settle)
        pids = tree(pid)
        rows = []
        total_pss = 0
        for p in pids:
            pss, rss = pss_kb(p)
            total_pss += pss
            mb = f"PSS {pss / 1024:6.1f} MB  RSS {rss / 1024:6.1f} MB"
            rows.append(f"  {p:>7} {mb}  {describe(p)}")
        before = {k: v for p in pids for k, v in cpu_ticks(p).items()}
        started_at = time.monotonic()
        time.sleep(idle)
        elapsed = time.monotonic() - started_at
        after = {k: v for p in tree(pid) for k, v in cpu_ticks(p).items()}
    used = {k: v - before.get(k, 0) for k, v in after.items()}
    cpu = sum(used.values()) / TICKS / elapsed * 100
    busiest = sorted(((v, k) for k, v in used.items() if v), reverse=True)[:8]
    rows.append(f"  idle CPU over {elapsed:.0f} s, the busiest threads (ticks of 1/{TICKS} s):")
    rows += [f"    {v:>4}  {k}" for v, k in busiest]
    return Figures(label, total_pss / 1024, len(pids), cpu, rows)


def clone(ref: str, into: Path) -> Path:
    target = into / f"beacon-{ref.replace('/', '-')}"
    subprocess.run(
        ["git", "clone", "--quiet", "--shared", "--no-checkout", str(ROOT), str(target)], check=True
    )
    subprocess.run(["git", "-C", str(target), "checkout", "--quiet", ref], check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--settle", type=float, default=75, help="seconds after it answers")
    parser.add_argument("--idle", type=float, default=60, help="seconds of idle CPU measured")
    parser.add_argument("--before", metavar="REF", help="measure this git ref too, first")
    parser.add_argument("--production", action="store_true", help="measure production mode too")
    args = parser.parse_args()

    base_env = {k: v for k, v in os.environ.items() if k not in BEACON_VARIABLES}
    base_env |= {"SECRET_KEY": os.environ.get("SECRET_KEY", "bench"), "PYTHONUNBUFFERED": "1"}
    results = []
    temp = Path(tempfile.mkdtemp(prefix="beacon-footprint-"))
    try:
        runs: list[tuple[str, Path, dict[str, str]]] = []
        if args.before:
            runs.append((f"embedded, {args.before}", clone(args.before, temp), {}))
        runs.append(("embedded, this checkout", ROOT, {}))
        if args.production:
            if not os.environ.get("DATABASE_URL"):
                raise SystemExit("--production needs DATABASE_URL (and REDIS_URL) set")
            extra = {k: os.environ[k] for k in ("DATABASE_URL", "REDIS_URL") if k in os.environ}
            runs.append(("production mode, this checkout", ROOT, extra))
        for n, (label, cwd, extra) in enumerate(runs):
            env = base_env | extra | {"BEACON_VAR_DIR": str(temp / f"var{n}")}
            results.append(measure(label, cwd, env, args.settle, args.idle))
    finally:
        shutil.rmtree(temp, ignore_errors=True)

    for figures in results:
        print(f"\n{figures.label}:")
        print("\n".join(figures.rows))
    print()
    for figures in results:
        print(
            f"{figures.label}: {figures.pss_mb:.0f} MB PSS in {figures.processes} processes "
            f"(target <= {PSS_TARGET_MB}), idle CPU {figures.cpu_percent:.2f}% of a core "
            f"(target <= {CPU_TARGET_PERCENT})"
        )


if __name__ == "__main__":
    main()
