"""Component badges are served from the snapshot store while PostgreSQL is stopped, like the
page's own badge and the other public documents, on a real server (tests/support/stack.py).
"""

import json

import pytest

pytestmark = pytest.mark.django_db(transaction=False)


def test_a_component_badge_is_served_while_postgresql_is_stopped(stack):
    beacon, postgres, _ = stack
    status, _, body = beacon.get("/api/v2/components.json")
    assert status == 200
    components = [c for c in json.loads(body)["components"] if not c["group"]]
    first, never_asked = components[0], components[1]
    status, headers, before = beacon.get(f"/badge.svg?component={first['id']}")
    assert status == 200, before[:300]
    assert headers["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert first["name"].encode() in before
    assert beacon.get("/badge.svg")[0] == 200

    postgres.stop()
    try:
        status, headers, during = beacon.get(f"/badge.svg?component={first['id']}")
        assert status == 200, during[:300]
        assert during == before
        assert headers["Access-Control-Allow-Origin"] == "*"
        assert "public" in headers["Cache-Control"]
        etag = headers["ETag"]
        assert etag
        assert beacon.get(f"/badge.svg?component={first['id']}", {"If-None-Match": etag})[0] == 304
        assert beacon.get("/badge.svg")[0] == 200
        # Ids that cannot name a component need no database: the grey 404 badge.
        status, _, unknown = beacon.get("/badge.svg?component=%3Cb%3E")
        assert status == 404
        assert b"unknown component" in unknown
        # A badge never asked for before needs the database: a clear 503, not a 500.
        assert beacon.get(f"/badge.svg?component={never_asked['id']}")[0] == 503
    finally:
        postgres.start()
    status, _, after = beacon.get(f"/badge.svg?component={never_asked['id']}")
    assert status == 200
    assert never_asked["name"].encode() in after
