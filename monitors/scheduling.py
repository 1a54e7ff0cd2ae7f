"""When checks run, and who runs them: planning, claiming with leases, recording.

Beat runs `plan` every MONITOR_PLAN_SECONDS (10 s). It reads, per region, the schedules that
fall due before the next plan, and publishes a `run_due` task (to the region's queue) for the
first check of each window they fall due in, with the window's end, as Celery etas the worker
holds until then: a window is CLAIM_AHEAD_SECONDS (2 s), or longer, up to MAX_WINDOW_SECONDS,
where its checks come densely enough to fill a batch of MONITOR_BATCH_SIZE (`_windows`). A
worker's `run_due` claims a batch with a lease (`claim_due`): what is due, and the checks
falling due up to the window's end. It runs them with `probes.run_when_due` on one event
loop, each started on the START_TICK_SECONDS tick after it falls due, records the outcomes
(`record`) and lets `decisions` judge them. Heartbeats are claimed only once due (a ping may
still come before the deadline): their tasks are planned for the PLAN_STEP_SECONDS step after
it. Nothing here relies on the broker for correctness: a lost task is planned again at the
next plan (a worker plans a check whose interval is shorter than beat's period again itself),
and a claim is a conditional UPDATE on the lease, so that however many beats and workers run,
one schedule is checked by one worker at a time. A worker that dies leaves its lease behind;
once it runs out the schedule is due again and claimed anew.

Why beat planning and short tasks rather than a long-running claim loop in a worker: each task
is a batch that ends, so no pool slot is pinned for good (fan-out and senders share the pool),
a SIGTERM stops a worker within one batch, and scaling out is starting more workers. A task
lasts at most its window, its longest timeout and the recording, and waits only between the
checks it runs (a lone check is not waited for). With a thousand monitors a window is full,
so about one pool slot runs checks all the time, the others are left to notifications; a
larger installation gives its monitors workers of their own (a region's queue). Beat wakes
every 10 s rather than every second (a task a second cost 6% of a CPU on an idle
installation). Why a window
claimed ahead rather than a task for each moment checks fall due: at 1,000 monitors every
30 s a task a half-second ran some 17 checks and paid a Celery task, a claim and a
transaction for them, more CPU than the checks themselves; a task a window runs a full batch
(a window of some 3 s), and a check starts no later for it, a tick (0.25 s) plus the
worker's hop at most (docs/performance.md, "Monitors").

Due times advance from the due time, not from when the check ended, so a schedule keeps its
phase; after downtime the slots missed are skipped (one check now, then on its phase again)
rather than run in a burst.
"""

from __future__ import annotations

import dataclasses
import json
import math
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field, Model, Q
from django.utils import timezone

from events.services import Actor, record_audit
from statuspage import broker

from .models import (
    ERROR_LENGTH,
    ClaimedMonitor,
    Monitor,
    MonitorKind,
    MonitorResult,
    MonitorSchedule,
)

if TYPE_CHECKING:
    from .probes import Outcome

# Added to the longest timeout of a batch: recording and deciding happen within the lease too.
LEASE_MARGIN_SECONDS = 30
# Celery's own default queue (task_default_queue), which Beacon does not rename.
DEFAULT_QUEUE = "celery"
# A run_due task stays with its worker at most this long, claiming batch after batch.
RUN_BUDGET_SECONDS = 20.0
# Tasks not taken within this long of when they were for are dropped; the next plan plans again.
RUN_EXPIRES_SECONDS = 10.0
# A run_due task claims the checks falling due within this many seconds and starts each at its
# own due time, on one event loop: fewer, larger batches, none of them later for it.
CLAIM_AHEAD_SECONDS = 2.0
# Where checks come densely enough to fill a batch within this many seconds of a window's
# first, the window goes on past CLAIM_AHEAD_SECONDS until it holds MONITOR_BATCH_SIZE: a
# batch's fixed cost (a task, a claim, a transaction) is then paid once for a full batch.
MAX_WINDOW_SECONDS = 5.0
# Heartbeats are judged once due, not ahead (a ping may still come): their tasks are planned
# for the step of this many seconds after their deadline.
PLAN_STEP_SECONDS = 0.5
# Checks claimed ahead start on the next tick of this many seconds after they fall due, so the
# event loop wakes for a few at a time rather than for each: a wake-up a check cost more CPU
# than a quarter of a second's lateness is worth.
START_TICK_SECONDS = 0.25
# How far past the next plan one plan reaches, so that a late beat tick leaves no gap.
PLAN_OVERLAP_SECONDS = 2.0
# At most this many run_due tasks per region published for one moment.
MAX_RUNS_PER_TICK = 16


def queue_for(region: str) -> str:
    """Checks without a region go to Celery's default queue, which every Beacon worker takes;
    a region's go to `monitors.<region>`, taken by the workers started for it."""
    return f"monitors.{region}" if region else DEFAULT_QUEUE


def route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> Any:
    """Celery router (CELERY_TASK_ROUTES): `run_due(region)` goes to its region's queue."""
    if name == "monitors.tasks.run_due":
        region = (args[0] if args else (kwargs or {}).get("region")) or ""
        return {"queue": queue_for(str(region))}
    return None


def claimable(now: datetime, *, ahead: float = 0.0) -> Any:
    """Schedules due and not held by a live lease, of enabled monitors; with `ahead`, also the
    checks (not heartbeats, which are judged only once due) falling due within that many
    seconds."""
    due = Q(next_due_at__lte=now)
    if ahead > 0:
        due |= Q(next_due_at__lte=now + timedelta(seconds=ahead), monitor__kind__in=AHEAD_KINDS)
    return MonitorSchedule.objects.filter(
        due,
        Q(lease_until__isnull=True) | Q(lease_until__lt=now),
        monitor__enabled=True,
    )


# The kinds claimed ahead of their due time: every kind that is probed.
AHEAD_KINDS = [kind for kind in MonitorKind.values if kind != MonitorKind.HEARTBEAT]


@dataclass(frozen=True, slots=True)
class Window:
    """One run_due task's share of a plan: published `at` seconds from the plan's now, it
    claims the checks falling due up to `until` seconds from it (None: as a nudge does, the
    due and CLAIM_AHEAD_SECONDS ahead); `count` schedules."""

    at: float
    until: float | None
    count: int


def _heartbeat_step(seconds: float) -> float:
    return math.ceil(seconds / PLAN_STEP_SECONDS) * PLAN_STEP_SECONDS


def _tick(seconds: float) -> float:
    return math.floor(seconds / START_TICK_SECONDS) * START_TICK_SECONDS


def _windows(due_times: Iterable[tuple[datetime, str]], now: datetime) -> list[Window]:
    """The run_due tasks for `due_times`, in order of when they are published.

    A check's window opens at its first check, and its task is published for the
    START_TICK_SECONDS tick of that check (not after it): the task claims the window's checks
    ahead and starts each when due, so it waits only between the checks it runs, and a lone
    check is not waited for. A window holds the checks falling due within CLAIM_AHEAD_SECONDS
    of its first, at most MONITOR_BATCH_SIZE of them; where they come densely enough that a
    batch would be full within MAX_WINDOW_SECONDS, it goes on until it is. A sparse
    installation keeps 2 s windows; at 1,000 checks every 30 s a window is some 3 s and holds
    a full batch. A heartbeat's task is the PLAN_STEP_SECONDS step after its deadline, and
    claims what is due then."""
    batch = settings.MONITOR_BATCH_SIZE
    checks: list[float] = []
    steps: Counter[float] = Counter()
    for due, kind in due_times:
        seconds = max(0.0, (due - now).total_seconds())
        if kind == MonitorKind.HEARTBEAT:
            steps[_heartbeat_step(seconds)] += 1
        else:
            checks.append(seconds)
    checks.sort()
    windows: list[Window] = []
    # Dense enough: the checks within CLAIM_AHEAD_SECONDS would fill a batch by this share.
    dense = math.ceil(batch * CLAIM_AHEAD_SECONDS / MAX_WINDOW_SECONDS)
    first = 0
    while first < len(checks):
        opens = checks[first]
        last = first
        while (
            last + 1 < len(checks)
            and last + 1 - first < batch
            and checks[last + 1] - opens <= CLAIM_AHEAD_SECONDS
        ):
            last += 1
        if last + 1 - first >= dense:
            while (
                last + 1 < len(checks)
                and last + 1 - first < batch
                and checks[last + 1] - opens <= MAX_WINDOW_SECONDS
            ):
                last += 1
        windows.append(Window(_tick(opens), checks[last], last + 1 - first))
        first = last + 1
    for step, count in steps.items():
        windows.extend(Window(step, None, min(batch, count - n)) for n in range(0, count, batch))
    return sorted(windows, key=lambda w: w.at)


def _publish(region: str, window: Window, now: datetime, *, at_least: float = 0.0) -> None:
    offset = max(window.at, at_least)
    eta = now + timedelta(seconds=offset) if offset else None
    expires = (eta or now) + timedelta(seconds=RUN_EXPIRES_SECONDS)
    if window.until is None:
        broker.publish("monitors.tasks.run_due", region, eta=eta, expires=expires)
        return
    # The window's end as a time of the clock (epoch seconds), however late the task runs.
    until = (now + timedelta(seconds=window.until)).timestamp()
    broker.publish("monitors.tasks.run_due", region, until, eta=eta, expires=expires)


def plan(*, now: datetime | None = None) -> dict[str, int]:
    """Publish run_due tasks for the schedules due before the next plan, by region; the counts.

    Each task is published (Celery's eta, held by the worker) for the first check of its
    window (`_windows`), and claims the window's checks ahead, so a check starts on time while
    beat wakes only every MONITOR_PLAN_SECONDS; a heartbeat's task is published for the
    PLAN_STEP_SECONDS step after its deadline. The plan reaches PLAN_OVERLAP_SECONDS past the
    next plan, so a late tick leaves no gap: a check planned twice finds its schedule claimed
    the second time, and a window's task claims nothing past the window's end. Schedules
    already due (a worker died holding them, the workers were down) are planned for now, at
    most MAX_RUNS_PER_TICK tasks at once."""
    now = now or timezone.now()
    horizon = now + timedelta(seconds=settings.MONITOR_PLAN_SECONDS + PLAN_OVERLAP_SECONDS)
    soon = MonitorSchedule.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now),
        next_due_at__lt=horizon,
        monitor__enabled=True,
    )
    by_region: dict[str, list[tuple[datetime, str]]] = {}
    for region, due, kind in soon.values_list("region", "next_due_at", "monitor__kind"):
        by_region.setdefault(region, []).append((due, kind))
    counts: Counter[str] = Counter()
    for region, due_times in sorted(by_region.items()):
        runs: Counter[float] = Counter()
        for window in _windows(due_times, now):
            counts[region] += window.count
            runs[window.at] += 1
            if runs[window.at] <= MAX_RUNS_PER_TICK:
                _publish(region, window, now)
    return dict(counts)


@dataclass(slots=True)
class ClaimedSchedule:
    """The columns of a claimed MonitorSchedule that running and recording it read and set."""

    pk: int
    region: str
    next_due_at: datetime
    lease_until: datetime | None
    lease_token: str
    state: str


_SCHEDULE_COLUMNS = [f.name for f in dataclasses.fields(ClaimedSchedule)]
_MONITOR_COLUMNS = [
    "monitor_id" if name == "pk" else f"monitor__{name}"
    for name in (f.name for f in dataclasses.fields(ClaimedMonitor))
]
_SPLIT = len(_SCHEDULE_COLUMNS)


@dataclass(frozen=True, slots=True)
class Claim:
    schedule: ClaimedSchedule
    monitor: ClaimedMonitor
    token: str


def _claims(rows: Iterable[tuple[Any, ...]], token: str) -> list[Claim]:
    """Claims from rows of `_SCHEDULE_COLUMNS + _MONITOR_COLUMNS`."""
    return [
        Claim(ClaimedSchedule(*row[:_SPLIT]), ClaimedMonitor(*row[_SPLIT:]), token) for row in rows
    ]


def claim_due(
    *, region: str, limit: int, ahead: float = 0.0, now: datetime | None = None
) -> list[Claim]:
    """Take up to `limit` schedules of `region` on a lease: those due, and with `ahead` the
    checks falling due within that many seconds; the soonest due first.

    On PostgreSQL one locked read (SKIP LOCKED: rows another claimer holds are passed over)
    returns the schedules with their monitors, and one UPDATE leases them: nobody can change
    a locked row before this commits. Elsewhere the UPDATE repeats the condition (still due,
    lease free), so that of two claimers racing for a row one updates it and the other
    updates nothing (SQLite takes one writer at a time), and the schedules are read back by
    their token.
    """
    now = now or timezone.now()
    token = secrets.token_hex(16)
    due = claimable(now, ahead=ahead).filter(region=region).order_by("next_due_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        # The rows read are locked until this commits, so nobody else can take them between the
        # read and the UPDATE: the schedules and their monitors come in the one locked read.
        with transaction.atomic():
            held = _claims(
                due.select_for_update(skip_locked=True, of=("self",)).values_list(
                    *_SCHEDULE_COLUMNS, *_MONITOR_COLUMNS
                )[:limit],
                token,
            )
            if not held:
                return []
            lease = lease_for(
                (c.monitor.timeout_seconds for c in held),
                max(now, held[-1].schedule.next_due_at),
            )
            MonitorSchedule.objects.filter(pk__in=[c.schedule.pk for c in held]).update(
                lease_until=lease, lease_token=token
            )
        for claim in held:
            claim.schedule.lease_until, claim.schedule.lease_token = lease, token
        return held
    with transaction.atomic():
        rows = list(due.values_list("pk", "next_due_at")[:limit])
        if not rows:
            return []
        ids = [pk for pk, _ in rows]
        lease = lease_for(
            Monitor.objects.filter(schedules__in=ids).values_list("timeout_seconds", flat=True),
            max(now, rows[-1][1]),
        )
        claimable(now, ahead=ahead).filter(pk__in=ids).update(lease_until=lease, lease_token=token)
    taken = MonitorSchedule.objects.filter(lease_token=token).order_by("next_due_at", "id")
    return _claims(taken.values_list(*_SCHEDULE_COLUMNS, *_MONITOR_COLUMNS), token)


def lease_for(timeouts: Iterable[float], start: datetime) -> datetime:
    """Until when a batch is held: from when its last check starts, its longest timeout, and
    the margin."""
    longest = max(float(t) for t in timeouts)
    return start + timedelta(seconds=longest + LEASE_MARGIN_SECONDS)


def next_due(due: datetime, interval: float, now: datetime) -> datetime:
    """The first slot after `now` on the phase of `due`: missed slots are skipped."""
    step = timedelta(seconds=max(interval, 1.0))
    ahead = due + step
    if ahead > now:
        return ahead
    missed = math.floor((now - due) / step)
    return due + step * (missed + 1)


def heartbeat_deadline(monitor: Monitor | ClaimedMonitor) -> datetime:
    started = monitor.last_ping_at or monitor.created_at
    return started + timedelta(seconds=monitor.interval_seconds + monitor.grace_seconds)


@dataclass(frozen=True)
class Checked:
    """When a claimed schedule was checked, and what was found (None: a heartbeat that is not
    late, nothing to record)."""

    at: datetime
    outcome: Outcome | None


def start_time(due: datetime) -> datetime:
    """When a check due at `due` starts: the next START_TICK_SECONDS tick of the clock."""
    tick = START_TICK_SECONDS
    return datetime.fromtimestamp(math.ceil(due.timestamp() / tick) * tick, due.tzinfo)


def run_claims(claims: Sequence[Claim]) -> list[Checked]:
    """Check what was claimed: probes for the checks, each started at its due time (at once if
    that has passed), on one event loop; the deadline for heartbeats, which are due."""
    # aiohttp and dnspython (some 30 MB) load in the processes that run checks, and only once
    # they do: the web process (which plans "check now") and an idle worker never need them.
    from .probes import Outcome, Target, run_when_due

    now = timezone.now()
    probed = [c for c in claims if c.monitor.kind != MonitorKind.HEARTBEAT]
    ran = iter(
        run_when_due(
            [Target.from_monitor(c.monitor) for c in probed],
            [start_time(c.schedule.next_due_at) for c in probed],
        )
    )
    results: list[Checked] = []
    for claim in claims:
        monitor = claim.monitor
        if monitor.kind != MonitorKind.HEARTBEAT:
            results.append(Checked(*next(ran)))
        elif heartbeat_deadline(monitor) <= now:
            late = monitor.interval_seconds + monitor.grace_seconds
            results.append(Checked(now, Outcome.down(f"no ping within {late} s")))
        else:
            results.append(Checked(now, None))
    return results


def record(claims: Sequence[Claim], checked: Sequence[Checked]) -> list[Claim]:
    """Keep each outcome, move each schedule to its next slot and let go of the lease.

    Only schedules still held by this claim are written: one whose lease ran out and was taken
    over is the new holder's to record. A schedule made due again while it was held ("check
    now", a changed target) keeps that time where it is sooner than its next slot. Returns the
    claims recorded."""
    now = timezone.now()
    with transaction.atomic():
        held = dict(
            MonitorSchedule.objects.select_for_update()
            .order_by("pk")  # one order for every writer of several schedules: no deadlock
            .filter(
                pk__in=[c.schedule.pk for c in claims], lease_token__in={c.token for c in claims}
            )
            .values_list("pk", "next_due_at")
        )
        kept = [(c, k) for c, k in zip(claims, checked, strict=True) if c.schedule.pk in held]
        insert_rows(
            MonitorResult,
            ["monitor", "region", "checked_at", "verdict", "latency_ms", "status_code", "error"],
            [
                (
                    c.monitor.pk,
                    c.schedule.region,
                    k.at,
                    k.outcome.verdict,
                    k.outcome.latency_ms,
                    k.outcome.status_code,
                    k.outcome.error[:ERROR_LENGTH],
                )
                for c, k in kept
                if k.outcome is not None
            ],
        )
        schedules = []
        for claim, k in kept:
            schedule, monitor = claim.schedule, claim.monitor
            if monitor.kind == MonitorKind.HEARTBEAT and k.outcome is None:
                due = heartbeat_deadline(monitor)
            else:
                due = next_due(schedule.next_due_at, monitor.interval_seconds, now)
            if held[schedule.pk] != schedule.next_due_at:
                due = min(due, held[schedule.pk])
            schedule.next_due_at, schedule.lease_until, schedule.lease_token = due, None, ""
            schedules.append((schedule.pk, due, None, ""))
        update_rows(MonitorSchedule, ["next_due_at", "lease_until", "lease_token"], schedules)
    # The monitors' latest result, row by row outside the transaction: a decision holds its
    # component's and monitors' rows locked, and a batch that held many monitors' rows while
    # waiting for one of them could close a circle with it.
    update_rows(
        Monitor,
        ["last_checked_at", "last_verdict", "last_latency_ms", "last_error"],
        [
            (
                c.monitor.pk,
                k.at,
                k.outcome.verdict,
                k.outcome.latency_ms,
                k.outcome.error[:ERROR_LENGTH],
            )
            for c, k in kept
            if k.outcome is not None
        ],
    )
    return [c for c, k in kept if k.outcome is not None]


def _columns(model: type[Model], fields: list[str]) -> list[Field[Any, Any]]:
    return [field for name in fields if isinstance(field := model._meta.get_field(name), Field)]


def _recordset(columns: Sequence[Field[Any, Any]], rows: list[tuple[Any, ...]]) -> tuple[str, str]:
    """`json_to_recordset(%s::json) AS v(column type, ...)` and its one parameter: the rows as
    one JSON document (datetimes as ISO 8601), for the statements below on PostgreSQL. The
    statement's text is the same for every batch (psycopg parsed a `VALUES (...), (...)` of
    every length anew, 17 ms of profiled time a batch of 67), and the rows go as one string,
    where arrays were quoted element by element."""
    qn = connection.ops.quote_name
    names = [str(column.column) for column in columns]
    types = ", ".join(
        f"{qn(name)} {column.db_type(connection)}"
        for name, column in zip(names, columns, strict=True)
    )
    document = json.dumps([dict(zip(names, row, strict=True)) for row in rows], default=_iso)
    return f"json_to_recordset(%s::json) AS v({types})", document


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not kept as JSON here")


def insert_rows(model: type[Model], fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows as one statement. Django's bulk_create builds a model instance a row
    and reads every new id back, which no caller here needs; it cost more CPU a batch than
    claiming it. The values are what the database takes as they are (ids, text, numbers,
    aware datetimes, None): nothing is converted. On PostgreSQL the rows go as one JSON
    document (`_recordset`); elsewhere as a multi-row VALUES."""
    if not rows:
        return
    qn = connection.ops.quote_name
    columns = _columns(model, fields)
    names = ", ".join(qn(str(column.column)) for column in columns)
    table = qn(model._meta.db_table)
    if connection.vendor == "postgresql":
        source, document = _recordset(columns, rows)
        sql = f"INSERT INTO {table} ({names}) SELECT {names} FROM {source}"
        params: list[Any] = [document]
    else:
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * len(rows))
        params = [value for values in rows for value in values]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def update_rows(model: type[Model], fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Set `fields` of many rows (pk first, then the values, as the database takes them), as
    one statement. Django's bulk_update builds a CASE per field and row, which cost more CPU
    than running the checks. On PostgreSQL it is one `UPDATE ... FROM` the rows as one JSON
    document (`_recordset`); elsewhere an UPDATE a row, run with the cursor's executemany."""
    if not rows:
        return
    qn = connection.ops.quote_name
    columns = _columns(model, fields)
    table = qn(model._meta.db_table)
    pk_field = model._meta.pk
    assert isinstance(pk_field, Field)
    pk = qn(str(pk_field.column))
    if connection.vendor == "postgresql":
        source, document = _recordset([pk_field, *columns], rows)
        names = [qn(str(column.column)) for column in columns]
        assignments = ", ".join(f"{name} = v.{name}" for name in names)
        sql = f"UPDATE {table} SET {assignments} FROM {source} WHERE {table}.{pk} = v.{pk}"
        with connection.cursor() as cursor:
            cursor.execute(sql, [document])
        return
    assignments = ", ".join(f"{qn(str(column.column))} = %s" for column in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[*values, pk_value] for pk_value, *values in rows])


def needs_decision(claim: Claim, outcome: Outcome) -> bool:
    """A check that agrees with every state already decided cannot change any: skip deciding."""
    state = claim.monitor.state
    return not (outcome.verdict == state == claim.schedule.state)


def run_batch(*, region: str, limit: int | None = None, ahead: float = CLAIM_AHEAD_SECONDS) -> int:
    """Claim, check, record and decide one batch of `region` (what is due, and the checks
    falling due within `ahead` seconds, each started on time); how many checks it ran."""
    from .decisions import decide

    claims = claim_due(region=region, limit=limit or settings.MONITOR_BATCH_SIZE, ahead=ahead)
    if not claims:
        return 0
    checked = run_claims(claims)
    recorded = record(claims, checked)
    by_claim = dict(zip((c.schedule.pk for c in claims), checked, strict=True))
    for claim in recorded:
        outcome = by_claim[claim.schedule.pk].outcome
        if outcome is not None and needs_decision(claim, outcome):
            decide(monitor_id=claim.monitor.pk)
    plan_again(region, [c.schedule.next_due_at for c in claims])
    return len(claims)


def plan_again(region: str, due_times: Sequence[datetime]) -> None:
    """Checks that fall due again before beat's next plan (an interval shorter than
    MONITOR_PLAN_SECONDS) are planned by the worker that ran them, as beat would plan them."""
    now = timezone.now()
    horizon = now + timedelta(seconds=settings.MONITOR_PLAN_SECONDS)
    soon = [(due, MonitorKind.HTTP) for due in due_times if due < horizon]
    for window in _windows(soon, now):
        _publish(region, window, now, at_least=START_TICK_SECONDS)


# Added to a window's end when it is claimed: its last check is claimed whatever the rounding
# of the end's time as epoch seconds.
UNTIL_MARGIN_SECONDS = 0.001


def run_due(*, region: str, until: float | None = None, budget: float = RUN_BUDGET_SECONDS) -> int:
    """Run batches of `region`; checks run. With `until` (a planned window's end, epoch
    seconds), the due checks and those falling due by then: one batch, or batch after batch
    while they come back full and the window's end has passed (a backlog). Without (a nudge),
    the due and CLAIM_AHEAD_SECONDS ahead, batch after batch while they come back full. Never
    past the budget."""
    started = time.monotonic()
    total = 0
    while time.monotonic() - started < budget:
        if until is None:
            ahead, behind = CLAIM_AHEAD_SECONDS, True
        else:
            left = until - time.time()
            ahead, behind = max(0.0, left + UNTIL_MARGIN_SECONDS), left <= 0
        ran = run_batch(region=region, ahead=ahead)
        total += ran
        if ran < settings.MONITOR_BATCH_SIZE or not behind:
            break
    return total


def nudge(region: str) -> None:
    broker.publish("monitors.tasks.run_due", region)


@transaction.atomic
def request_check(*, monitor: Monitor, actor: Actor) -> int:
    """Make the monitor due now in each of its regions ("check now"), and nudge the workers
    once this commits. A schedule held by a worker keeps its lease: it is being checked.
    Returns how many schedules were made due."""
    now = timezone.now()
    schedules = MonitorSchedule.objects.filter(monitor=monitor)
    regions = sorted(set(schedules.values_list("region", flat=True)))
    made_due = schedules.filter(next_due_at__gt=now).update(next_due_at=now)
    record_audit(
        page=monitor.page,
        actor=actor,
        action="check_now",
        obj=monitor,
        after={"regions": regions},
    )
    for region in regions:
        transaction.on_commit(partial(nudge, region))
    return made_due


def schedule_heartbeat(*, monitor: Monitor, now: datetime) -> None:
    """After a ping: the heartbeat is next judged at its new deadline."""
    deadline = now + timedelta(seconds=monitor.interval_seconds + monitor.grace_seconds)
    MonitorSchedule.objects.filter(monitor=monitor).update(next_due_at=deadline)
