# mypy: disable-error-code="union-attr"
"""A publish round looks up what several documents show once (snapshots.documents.sharing):
the bytes are those each document renders on its own."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from snapshots import documents


def rendered(page, keys, now):
    with CaptureQueriesContext(connection) as queries:
        bodies = {key: documents.document(key).render(page, now) for key in keys}
    return bodies, len(queries)


def test_the_documents_of_a_round_are_those_rendered_one_by_one_in_fewer_queries(world, page):
    keys = documents.eager_keys() + documents.subject_keys("incident", world.outage.pk)
    now = timezone.now()

    alone, queries_alone = rendered(page, keys, now)
    with documents.sharing():
        together, queries_together = rendered(page, keys, now)

    assert together == alone
    # The page's last change, its components, the open incidents and maintenance, the feeds'
    # items: each looked up once for the round instead of once per document.
    assert queries_together <= queries_alone - 20


def test_the_upcoming_and_active_lists_split_the_open_maintenance_of_a_round(world, page):
    now = timezone.now()
    with documents.sharing():
        upcoming = documents.document("/api/v2/scheduled-maintenances/upcoming.json")
        active = documents.document("/api/v2/scheduled-maintenances/active.json")
        summary = documents.document("/api/v2/summary.json")
        bodies = [d.render(page, now).decode() for d in (summary, upcoming, active)]
    assert world.upcoming.name in bodies[1] and world.active.name not in bodies[1]
    assert world.active.name in bodies[2] and world.upcoming.name not in bodies[2]
    assert world.upcoming.name in bodies[0] and world.active.name in bodies[0]
