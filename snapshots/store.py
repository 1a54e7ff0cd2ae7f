"""The snapshot store: rendered documents as files, readable without PostgreSQL or Redis.

Layout under `settings.SNAPSHOT_DIR`:

- `<page id>/<quoted path>`: one document (`/`, `/incidents/k3v…`, `/api/v2/summary.json`),
  a one-line JSON header (ETag, content type, when rendered, the page version it reflects)
  followed by the bytes served;
- `hosts.json`: which page answers which host name, so a request finds its page without a query,
  and who may see the pages that are not public (their `pages.viewers.Access`: private, allowed
  networks, access epoch), so the read path decides that without a query either;
- `state.json`: the publisher's progress through the outbox and each page's version (the id of
  its latest outbox event): a document older than its page's version is stale.

Every write goes to a temporary file renamed over the old one, so a reader sees the old
document or the new one, never half of either. Reads are cached in memory per process and
revalidated with one `stat()`.
"""

import contextlib
import fcntl
import functools
import gzip
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from django.conf import settings

from pages.viewers import Access
from statuspage.files import write_atomic

MAGIC = b"BEACON-SNAPSHOT-1 "
CACHE_LIMIT = 2048


@dataclass(frozen=True)
class Snapshot:
    key: str
    body: bytes
    content_type: str
    etag: str
    # When these bytes were rendered (epoch seconds), and when they last changed.
    rendered_at: float
    modified_at: float
    # The page version (latest outbox event id) the document reflects.
    version: int
    status: int = 200
    # The body compressed with gzip, when that is worth sending; None otherwise.
    gzipped: bytes | None = None

    @property
    def gzip_etag(self) -> str:
        """The compressed representation's own strong ETag (RFC 9110 8.8.3)."""
        return self.etag[:-1] + '-gzip"'

    def representation(self, *, takes_gzip: bool) -> tuple[bytes, str, bool]:
        """(body, ETag, compressed) of what to send a client that does or does not take gzip."""
        if takes_gzip and self.gzipped is not None:
            return self.gzipped, self.gzip_etag, True
        return self.body, self.etag, False


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/atom+xml",
    "application/rss+xml",
    "image/svg+xml",
)
COMPRESS_MIN_BYTES = 512


def compressible(content_type: str) -> bool:
    """Whether documents of this type may have a gzip copy: their responses say
    `Vary: Accept-Encoding` whether or not this version has one, so that a cache keys every
    version of a document alike, and a server in front can say it without looking for one."""
    return content_type.startswith(COMPRESSIBLE)


def compress(body: bytes, content_type: str) -> bytes | None:
    """gzip of a text document, made once when it is stored (the same bytes every time, so
    its ETag holds); None for small documents, other types, and when it saves little."""
    if len(body) < COMPRESS_MIN_BYTES or not compressible(content_type):
        return None
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    return packed if len(packed) < len(body) * 0.9 else None


def root() -> Path:
    return Path(settings.SNAPSHOT_DIR)


def _root_name() -> str:
    # A Path keeps its string form once computed; reading goes by strings, which is cheaper.
    return str(settings.SNAPSHOT_DIR)


@functools.lru_cache(maxsize=CACHE_LIMIT)
def _file_name(key: str) -> str:
    return quote(key, safe="")


def _doc_name(page_id: str, key: str) -> str:
    return os.path.join(_root_name(), page_id, _file_name(key))


def _doc_path(page_id: str, key: str) -> Path:
    return Path(_doc_name(page_id, key))


# Read-through cache: path -> ((mtime_ns, size), parsed value). Shared by the threads of a process.
_cache: dict[str, tuple[tuple[int, int], Any]] = {}


def _cached_read(name: str, parse: Any) -> Any:
    try:
        stat = os.stat(name)
    except FileNotFoundError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    hit = _cache.get(name)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        with open(name, "rb") as fh:
            data = fh.read()
        value = parse(data)
    except (FileNotFoundError, ValueError):
        return None
    if len(_cache) >= CACHE_LIMIT:
        _cache.clear()
    _cache[name] = (stamp, value)
    return value


def _parse_document(key: str) -> Any:
    def parse(data: bytes) -> Snapshot:
        if not data.startswith(MAGIC):
            raise ValueError("not a snapshot")
        header_end = data.index(b"\n")
        header = json.loads(data[len(MAGIC) : header_end])
        rest = data[header_end + 1 :]
        length = header.get("length", len(rest))
        return Snapshot(
            key=key,
            body=rest[:length],
            content_type=header["content_type"],
            etag=header["etag"],
            rendered_at=header["rendered_at"],
            modified_at=header["modified_at"],
            version=header["version"],
            status=header.get("status", 200),
            gzipped=rest[length:] or None,
        )

    return parse


def read(page_id: str, key: str) -> Snapshot | None:
    snapshot: Snapshot | None = _cached_read(_doc_name(page_id, key), _parse_document(key))
    return snapshot


def write(
    page_id: str, key: str, body: bytes, content_type: str, *, version: int, now: float
) -> Snapshot:
    """Store a rendered document. Same bytes as before: same ETag and Last-Modified."""
    etag = etag_for(body)
    previous = read(page_id, key)
    modified_at = previous.modified_at if previous and previous.etag == etag else now
    gzipped = compress(body, content_type)
    header = {
        "content_type": content_type,
        "etag": etag,
        "rendered_at": now,
        "modified_at": modified_at,
        "version": version,
        # The body's length; the gzipped body, if any, follows it.
        "length": len(body),
    }
    data = (
        MAGIC + json.dumps(header, separators=(",", ":")).encode() + b"\n" + body + (gzipped or b"")
    )
    write_atomic(_doc_path(page_id, key), data)
    return Snapshot(key, body, content_type, etag, now, modified_at, version, gzipped=gzipped)


def delete(page_id: str, key: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _doc_path(page_id, key).unlink()


def keys(page_id: str) -> list[str]:
    folder = root() / page_id
    if not folder.is_dir():
        return []
    return [unquote(p.name) for p in folder.iterdir() if not p.name.startswith(".")]


def clear() -> None:
    """Forget every stored document (the tests start each from an empty store)."""
    import shutil

    if root().is_dir():
        shutil.rmtree(root())
    _cache.clear()


# Hosts and state ----------------------------------------------------------------------------


def _parse_json(data: bytes) -> Any:
    return json.loads(data)


def _parse_hosts(data: bytes) -> dict[str, Any]:
    index: dict[str, Any] = json.loads(data)
    index["access"] = {
        page_id: Access.from_json(page_id, raw)
        for page_id, raw in (index.get("access") or {}).items()
    }
    return index


def read_hosts() -> dict[str, Any] | None:
    """{"default": page id or None, "hosts": {host name: page id}, "access": {page id: Access}}
    (pages absent from "access" are public)."""
    hosts: dict[str, Any] | None = _cached_read(
        os.path.join(_root_name(), "hosts.json"), _parse_hosts
    )
    return hosts


def write_hosts(
    default: str | None, hosts: dict[str, str], access: dict[str, Access] | None = None
) -> None:
    payload = {
        "default": default,
        "hosts": hosts,
        "access": {page_id: found.to_json() for page_id, found in (access or {}).items()},
        "written_at": time.time(),
    }
    write_atomic(root() / "hosts.json", json.dumps(payload, sort_keys=True).encode())


def access_for(page_id: str) -> Access | None:
    """Who may see the page, as last published; None for a public page (or no index yet)."""
    index = read_hosts()
    if index is None:
        return None
    found: Access | None = index["access"].get(page_id)
    return found


def page_id_for_host(host: str) -> str | None:
    return page_for_host(host)[0]


def page_for_host(host: str) -> tuple[str | None, Access | None]:
    """The page answering at a host name, and who may see it (None: everyone), from one read
    of the index."""
    index = read_hosts()
    if index is None:
        return None, None
    name = host.split(":")[0].lower()
    page_id: str | None = index["hosts"].get(name) or index.get("default")
    return page_id, index["access"].get(page_id) if page_id is not None else None


@dataclass
class State:
    # Every outbox event up to `seen` has been read, except the ids in `gaps` (not committed yet,
    # or rolled back), which are looked for again until they expire.
    seen: int = 0
    gaps: dict[int, float] | None = None
    versions: dict[str, int] | None = None
    refreshed: dict[str, float] | None = None
    # Which start of Beacon's processes (snapshots/publisher.py) last rendered each page's
    # documents in full.
    full: dict[str, str] | None = None

    def version(self, page_id: str) -> int:
        return (self.versions or {}).get(page_id, 0)


def _parse_state(data: bytes) -> State:
    raw = json.loads(data)
    return State(
        seen=raw.get("seen", 0),
        gaps={int(k): v for k, v in raw.get("gaps", {}).items()},
        versions=dict(raw.get("versions", {})),
        refreshed=dict(raw.get("refreshed", {})),
        full=dict(raw.get("full", {})),
    )


def read_state() -> State:
    """The publisher's state; shared by the readers of a process, so treat it as read-only."""
    state: State | None = _cached_read(os.path.join(_root_name(), "state.json"), _parse_state)
    return state if state is not None else State(gaps={}, versions={}, refreshed={}, full={})


def write_state(state: State) -> None:
    payload = {
        "seen": state.seen,
        "gaps": state.gaps or {},
        "versions": state.versions or {},
        "refreshed": state.refreshed or {},
        "full": state.full or {},
    }
    write_atomic(root() / "state.json", json.dumps(payload, sort_keys=True).encode())


# Locks --------------------------------------------------------------------------------------

_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def thread_lock(name: str) -> threading.Lock:
    with _thread_locks_guard:
        lock = _thread_locks.get(name)
        if lock is None:
            if len(_thread_locks) > CACHE_LIMIT:
                _thread_locks.clear()
            lock = _thread_locks[name] = threading.Lock()
        return lock


@contextlib.contextmanager
def host_lock(name: str, *, blocking: bool) -> Iterator[bool]:
    """An flock shared by every process on this host; yields whether it was acquired."""
    root().mkdir(parents=True, exist_ok=True)
    with open(root() / f".{name}.lock", "a+b") as fh:
        flags = fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB)
        try:
            fcntl.flock(fh, flags)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
