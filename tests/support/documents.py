"""The public API's documents, by the paths Statuspage clients read, stored documents made old,
and the queries a render runs."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from snapshots import store

API_V2_PATHS = [
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
]


def count_queries(client: Client, url: str) -> tuple[int, bytes]:
    """The queries a render of `url` runs, and the document it renders."""
    # bulk_create writes no outbox event, so forget the stored snapshots to measure a render.
    store.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content


def store_old_copy(
    page_id: str, key: str, *, swap: tuple[bytes, bytes], rendered_at: float
) -> store.Snapshot:
    """Write the stored document `key` again as rendered at `rendered_at` (a Unix time), with
    `swap`'s first bytes in its body replaced by its second, so that a reader can tell this
    copy from a fresh render."""
    snapshot = store.read(page_id, key)
    assert snapshot is not None, key
    return store.write(
        page_id,
        key,
        snapshot.body.replace(*swap),
        snapshot.content_type,
        version=snapshot.version,
        now=rendered_at,
    )
