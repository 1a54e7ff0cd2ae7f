"""Keeping the snapshot store current: render on write, refresh with time, render on a miss.

`publish()` reads the outbox events this host has not seen yet, bumps each page's version,
re-renders the documents those events can change (the page documents, the API and feeds, and
the incident or maintenance page the event is about), re-renders the time-relative documents
(those that `ages`, snapshots/documents.py) once they are `SNAPSHOT_REFRESH_SECONDS` old, and
marks the events published. It holds a lock shared by the processes of the host, so one of them
renders at a time; running it twice changes nothing. A round renders first what readers poll (the
`early` documents), then the pages its events are about, then the rest, which it leaves to a
round started at once if a newer event of the page has come meanwhile (DEFER_SECONDS).

It runs from three places, none of which needs the broker:

- after every commit that writes an outbox row, in a background thread of the process that
  committed (the nudge hook), so the operator's response does not wait for it;
- every `SNAPSHOT_CHECK_SECONDS` in each web process that serves public pages (picking up writes
  made by other hosts or processes, and the periodic refresh);
- every few seconds from Celery beat (`snapshots.tasks.publish_snapshots`).

Outbox ids are handed out before commit, so an id can become visible after a larger one. Ids
skipped over are remembered as gaps and looked for again for two minutes (a rolled-back
transaction leaves a gap for good).
"""

import logging
import os
import secrets
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone

from events.models import OutboxEvent
from events.services import mark_published
from pages.models import Page
from pages.viewers import Access, access_of
from statuspage import memory

from . import documents, files, store

logger = logging.getLogger(__name__)

GAP_SECONDS = 120
EVENT_BATCH = 5000

# A round that finds a newer event of the page it renders, once it has rendered what readers poll
# and what its events are about, leaves the page's other documents to the next round, which
# renders them all again anyway: on a busy machine an update then waits for the head of a round,
# not for the whole of the one before. Never for longer than this, so that under a steady stream
# of writes the other documents still follow within seconds.
DEFER_SECONDS = 5.0
_deferring_since: dict[str, float] = {}

# The pages this process has refreshed in full. The documents that do not age are kept across
# restarts and rendered again only by events: so that what a new release renders differently
# reaches them without waiting for one, the first refresh of a page after a start renders all
# of its eager documents, and the later ones only those that age.
_refreshed_in_full: set[str] = set()
# This start of the process, shared by the processes forked from it: the pool processes of a
# Celery worker, also those it starts again in place of one that exited (the same code and
# settings). The store's state names, for each page, the start that last rendered it in full,
# so that of a worker's pool processes only the first renders the page in full, not each one
# (a full round is some 0.3 s of CPU; docs/performance.md, "Monitors"). A process started
# anew (a new release, a web process) has a start of its own and renders in full once.
START = secrets.token_hex(8)


def render(
    page: Page, key: str, *, version: int | None = None, now: datetime | None = None
) -> store.Snapshot:
    """Render one document (as of `now`, by default now) and store it. Http404 if it names
    nothing (and forgets it)."""
    document = documents.document(key)
    if document is None:
        raise Http404("No such document.")
    if version is None:
        version = store.read_state().version(page.pk)
    if now is None:
        now = timezone.now()
    try:
        body = document.render(page, now)
    except Http404:
        store.delete(page.pk, key)
        files.remove(page.pk, key)
        raise
    snapshot = store.write(
        page.pk, key, body, document.content_type, version=version, now=now.timestamp()
    )
    # The plain file a web server in front sends, for a public page (snapshots/files.py).
    files.export(page.pk, snapshot)
    return snapshot


def write_hosts() -> list[str]:
    """Which page answers which host name, and who may see the pages that are not public;
    returns the ids of all pages."""
    default = None
    hosts = {}
    access: dict[str, Access] = {}
    ids = []
    fields = ["id", "domain", "extra_domains", "is_default", "is_private", "allowed_networks"]
    fields += ["access_epoch", "viewer_oidc"]
    for page in Page.objects.only(*fields):
        if page.is_default:
            default = page.pk
        for host in page.host_names():
            hosts[host.lower()] = page.pk
        found = access_of(page)
        if found is not None:
            access[page.pk] = found
        ids.append(page.pk)
    # The files of a page that is no longer public go before the index says it is not, under
    # the lock every export takes, so none is written for it meanwhile.
    files.sync_hosts(
        default, hosts, access, ids, then=lambda: store.write_hosts(default, hosts, access)
    )
    return ids


@dataclass
class Published:
    events: int = 0
    rendered: int = 0
    failed: list[str] = field(default_factory=list)
    # Stopped for a newer event of a page, leaving the state for the next round to carry on.
    deferred: bool = False


def publish(*, eager: bool = True, blocking: bool = True) -> Published | None:
    """Catch up with the outbox; None when another process on this host is already at it."""
    if _idle(eager=eager):
        return Published()
    with store.host_lock("publish", blocking=blocking) as acquired:
        if not acquired:
            return None
        result = _publish(eager=eager)
        while result.deferred:  # carry on at once with the newer events
            more = _publish(eager=eager)  # which reads the same events again, and the newer
            more.rendered += result.rendered
            more.failed[:0] = result.failed
            result = more
        return result


def _idle(*, eager: bool) -> bool:
    """Whether a round would find nothing to do: no event past the last one seen, no gap to
    look for again, no page due for its refresh. Each web process asks every second, so this
    is one small query and no lock, where a round builds its query for the events and takes
    the host's lock (docs/performance.md, footprint). What it reads is written atomically."""
    state = store.read_state()
    now = time.time()
    if (state.seen == 0 and not state.versions) or store.read_hosts() is None:
        return False
    if any(now - t < GAP_SECONDS for t in (state.gaps or {}).values()):
        return False
    refreshed = state.refreshed or {}
    if eager and any(now - at >= settings.SNAPSHOT_REFRESH_SECONDS for at in refreshed.values()):
        return False
    latest = OutboxEvent.objects.aggregate(latest=Max("id"))["latest"] or 0
    return bool(latest <= state.seen)


def _publish(*, eager: bool) -> Published:
    now = time.time()
    state = store.read_state()
    versions = dict(state.versions or {})
    refreshed = dict(state.refreshed or {})
    full = dict(state.full or {})
    gaps = {k: t for k, t in (state.gaps or {}).items() if now - t < GAP_SECONDS}
    dirty: dict[str, set[str]] = defaultdict(set)
    result = Published()
    hosts_changed = store.read_hosts() is None
    new_store = state.seen == 0 and not versions

    if new_store:
        # A new store: everything on every page may have changed.
        latest = OutboxEvent.objects.aggregate(latest=Max("id"))["latest"] or 0
        seen = latest
        for page_id in Page.objects.values_list("id", flat=True):
            versions[page_id] = latest
            dirty.setdefault(page_id, set())
        hosts_changed = True
    else:
        events = list(
            OutboxEvent.objects.filter(Q(id__gt=state.seen) | Q(id__in=list(gaps)))
            .order_by("id")
            .values_list("id", "page_id", "subject_type", "subject_id")[:EVENT_BATCH]
        )
        result.events = len(events)
        found = {event[0] for event in events}
        seen = max([state.seen, *found])
        if seen - state.seen < 10 * EVENT_BATCH:
            for missing in range(state.seen + 1, seen):
                if missing not in found:
                    gaps.setdefault(missing, now)
        for event_id, page_id, subject_type, subject_id in events:
            gaps.pop(event_id, None)
            versions[page_id] = max(versions.get(page_id, 0), event_id)
            dirty[page_id].update(documents.subject_keys(subject_type, subject_id))
            if subject_type == "page":
                hosts_changed = True

    due = [p for p, at in refreshed.items() if now - at >= settings.SNAPSHOT_REFRESH_SECONDS]
    if hosts_changed or (eager and due):
        # A page nobody has refreshed yet (created without an event) joins the refresh cycle.
        due += [p for p in write_hosts() if p not in refreshed and p not in dirty]

    if eager:
        wanted = set(dirty) | set(due)
        pages = list(Page.objects.filter(pk__in=wanted)) if wanted else []
        for page in pages:
            # An event may change any eager document; the clock alone, only those that age.
            everything = page.pk in dirty or (
                page.pk not in _refreshed_in_full and full.get(page.pk) != START
            )
            subjects = dirty.get(page.pk, set())
            # Only a round for events stops for a newer one (a refresh has few documents), and
            # not the first round of a store, which reads no events and must record that it ran.
            newer_than = seen if page.pk in dirty and not new_store else None
            rendered = _render_page(
                page, versions.get(page.pk, 0), subjects, result, everything, newer_than
            )
            if rendered is None:
                # The state and the outbox are left as they were: the next round reads these
                # events again with the newer ones, and renders every document they change.
                result.deferred = True
                return result
            if rendered:
                refreshed[page.pk] = now
                if everything:
                    _refreshed_in_full.add(page.pk)
                    full[page.pk] = START
        for gone in wanted - {page.pk for page in pages}:  # deleted pages
            versions.pop(gone, None)
            refreshed.pop(gone, None)
            full.pop(gone, None)
        published = [p for p in wanted if refreshed.get(p) == now]
        if published:
            mark_published(page_ids=published, up_to=seen)

    new_state = store.State(seen=seen, gaps=gaps, versions=versions, refreshed=refreshed, full=full)
    # Most rounds of a web process's check find nothing: writing the same state every second
    # was most of what an idle Beacon cost (docs/performance.md, footprint).
    if new_state != store.State(
        seen=state.seen,
        gaps=state.gaps or {},
        versions=state.versions or {},
        refreshed=state.refreshed or {},
        full=state.full or {},
    ):
        store.write_state(new_state)
    return result


def _render_page(
    page: Page,
    version: int,
    subjects: set[str],
    result: Published,
    everything: bool,
    newer_than: int | None,
) -> bool | None:
    """Whether every document rendered; None if it stopped for an event after `newer_than`."""
    ok = True
    eager = documents.eager_keys() if everything else documents.ageing_keys()
    early = [key for key in documents.early_keys() if key in eager]
    later = [key for key in eager if key not in early]
    head = [*early, *sorted(subjects)]
    # One "now" for the round, so that documents built alike (the home page and its fragment)
    # compute what they share once.
    now = timezone.now()
    with documents.sharing():
        # What readers poll goes first (the home page, the summary, the feeds: a round on a busy
        # machine takes a second or more), then what the event is about, then the rest.
        for n, key in enumerate([*head, *later]):
            if n >= len(head) and newer_than is not None and _defer(page, newer_than):
                return None
            try:
                render(page, key, version=version, now=now)
                result.rendered += 1
            except Http404:
                continue  # a deleted incident, or feeds switched off: nothing to serve
            except Exception:
                logger.exception("could not render %s for page %s", key, page.pk)
                result.failed.append(key)
                ok = False
    _deferring_since.pop(page.pk, None)
    return ok


def _defer(page: Page, seen: int) -> bool:
    """Whether to leave the rest of the page's documents to the next round (DEFER_SECONDS)."""
    since = _deferring_since.get(page.pk)
    if since is not None and time.monotonic() - since >= DEFER_SECONDS:
        return False
    if not OutboxEvent.objects.filter(page_id=page.pk, id__gt=seen).exists():
        return False
    _deferring_since.setdefault(page.pk, time.monotonic())
    return True


# Background work in web and worker processes ------------------------------------------------

_guard = threading.Lock()
_wake = threading.Event()
_thread: threading.Thread | None = None
_thread_pid: int | None = None
_polling = False
_last_error_logged = 0.0


def _run_once(*, blocking: bool) -> None:
    global _last_error_logged
    close_old_connections()
    try:
        result = publish(blocking=blocking)
        if result is not None and result.rendered:
            # A round's renders leave freed chunks between live ones: give their pages back.
            memory.release_soon()
    except Exception:
        # PostgreSQL is down, most likely: the stored snapshots keep being served meanwhile.
        if time.monotonic() - _last_error_logged > 60:
            _last_error_logged = time.monotonic()
            logger.warning("could not refresh snapshots; serving the stored ones", exc_info=True)
    finally:
        close_old_connections()


def _loop() -> None:
    global _thread
    interval = max(settings.SNAPSHOT_CHECK_SECONDS, 1)
    if _polling:
        _run_once(blocking=False)  # a web process just started: catch up at once
    while True:
        woken = _wake.wait(interval)
        with _guard:
            _wake.clear()
            if not woken and not _polling:
                _thread = None  # a worker's one-off publish is done, or polling was stopped
                connections.close_all()
                return
        _run_once(blocking=woken)


def _ensure_thread() -> None:
    global _thread, _thread_pid
    with _guard:
        # After a fork (gunicorn, Celery prefork) the parent's thread does not exist here.
        if _thread is not None and _thread_pid == os.getpid() and _thread.is_alive():
            return
        _thread = threading.Thread(target=_loop, name="snapshot-publisher", daemon=True)
        _thread_pid = os.getpid()
        _thread.start()


def start_polling() -> None:
    """Called by each request a web process serves: keep this host's snapshots current."""
    global _polling
    if settings.SNAPSHOT_CHECK_SECONDS <= 0:
        return
    if _polling and _thread_pid == os.getpid() and _thread is not None:
        return
    _polling = True
    _ensure_thread()


def stop_polling(timeout: float = 5) -> None:
    """Let this process's publisher thread end (it finishes its current round first)."""
    global _polling
    with _guard:
        _polling = False
        thread = _thread
    if thread is not None and thread.is_alive():
        thread.join(timeout)


def nudge(event_id: int) -> None:
    """After commit: publish soon, in the background. Synchronous mode checks on read instead."""
    if settings.SNAPSHOT_CHECK_SECONDS <= 0:
        return
    _ensure_thread()
    _wake.set()


_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None
_inflight: set[tuple[str, str]] = set()


def refresh_in_background(page_id: str, key: str) -> None:
    """Re-render one stale document off the request; the caller serves the stale copy."""
    global _executor, _executor_pid
    with _guard:
        if (page_id, key) in _inflight:
            return
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="snapshot-render")
            _executor_pid = os.getpid()
            _inflight.clear()
        _inflight.add((page_id, key))
        _executor.submit(_refresh, page_id, key)


def _refresh(page_id: str, key: str) -> None:
    close_old_connections()
    try:
        page = Page.objects.filter(pk=page_id).first()
        if page is not None:
            render(page, key)
    except Http404:
        pass
    except Exception:
        logger.warning("could not refresh %s for page %s", key, page_id, exc_info=True)
    finally:
        with _guard:
            _inflight.discard((page_id, key))
        close_old_connections()
