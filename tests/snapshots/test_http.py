# mypy: disable-error-code="union-attr"
"""What browsers, proxies and CDNs get from the public pages: validators, 304s, cache headers."""

from datetime import timedelta

from django.utils import timezone

from components import services as component_services
from incidents import services as incident_services
from snapshots import documents, publisher, store
from tests.support.documents import store_old_copy

PUBLIC_URLS = ["/", "/fragments/home", "/history", "/brand.css", "/api/v2/summary.json"]


def test_public_responses_carry_a_strong_etag_last_modified_and_cache_headers(client, page, api):
    for url in PUBLIC_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["ETag"].startswith('"') and not response["ETag"].startswith("W/"), url
        assert response["Last-Modified"].endswith("GMT"), url
        cache_control = response["Cache-Control"]
        for directive in ("public", "s-maxage=1", "stale-while-revalidate=30"):
            assert directive in cache_control, (url, cache_control)
        assert "stale-if-error=86400" in cache_control, url
        assert not response.cookies, url
        assert "cookie" not in response.get("Vary", "").lower(), url


def test_pages_may_be_kept_briefly_while_fragments_are_always_revalidated(client, page, incident):
    assert "max-age=5" in client.get("/")["Cache-Control"]
    assert "max-age=0" in client.get("/fragments/home")["Cache-Control"]
    assert "max-age=0" in client.get(f"/incidents/{incident.pk}/fragment")["Cache-Control"]


def test_a_reader_with_the_current_etag_gets_an_empty_304(client, page, incident):
    for url in [*PUBLIC_URLS, f"/incidents/{incident.pk}"]:
        first = client.get(url)
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, url
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        assert "public" in again["Cache-Control"]


def test_a_reader_with_a_recent_copy_by_date_gets_a_304(client, page):
    first = client.get("/")
    again = client.get("/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_an_operators_change_shows_at_once_with_a_new_etag(client, page, api, incident):
    before = client.get("/")
    assert "Elevated API errors" in before.content.decode()

    incident_services.post_incident_update(
        incident=incident, status="identified", body="A bad deploy; rolling back.", actor="tests"
    )
    component_services.update_component(component=api, actor="tests", name="Public API")

    after = client.get("/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    html = after.content.decode()
    assert "A bad deploy; rolling back." in html
    assert "Public API" in html
    assert "A bad deploy" in client.get(f"/incidents/{incident.pk}").content.decode()
    assert "A bad deploy" in client.get("/api/v2/summary.json").content.decode()
    assert "A bad deploy" in client.get("/history.atom").content.decode()


def test_rendering_the_same_data_twice_keeps_the_etag_and_last_modified(page, api):
    now = timezone.now()
    home = documents.document("/")
    assert home is not None
    first = store.write(
        page.pk, "/", home.render(page, now), home.content_type, version=1, now=1000.0
    )
    second = store.write(
        page.pk, "/", home.render(page, now), home.content_type, version=2, now=2000.0
    )
    assert second.etag == first.etag
    assert second.modified_at == first.modified_at == 1000.0
    assert store.read(page.pk, "/").version == 2


def test_publishing_renders_the_pages_api_and_feeds_and_marks_events_published(page, incident):
    result = publisher.publish()
    assert result is not None and not result.failed
    for key in ["/", "/history", "/api/v2/summary.json", "/history.rss"]:
        assert store.read(page.pk, key) is not None, key

    incident_services.resolve_incident(incident=incident, body="All good.", actor="tests")
    result = publisher.publish()
    assert result is not None and result.events >= 1
    assert "All good." in store.read(page.pk, f"/incidents/{incident.pk}").body.decode()
    assert not page.events.filter(published_at__isnull=True).exists()


def test_an_event_committed_after_a_later_one_is_still_picked_up(page, api, website):
    publisher.publish()
    component_services.update_component(component=api, actor="tests", name="First")
    component_services.update_component(component=website, actor="tests", name="Second")
    first, second = page.events.order_by("id").reverse()[:2][::-1]
    # As if `second` had committed and been read before `first` became visible.
    store.write_state(
        store.State(
            seen=second.id,
            gaps={first.id: timezone.now().timestamp()},
            versions={page.pk: second.id},
            refreshed=dict(store.read_state().refreshed or {}),
        )
    )
    store.delete(page.pk, "/")

    publisher.publish()

    assert first.id not in (store.read_state().gaps or {})
    assert "First" in store.read(page.pk, "/").body.decode()


def test_old_snapshots_are_served_and_refreshed_past_their_age(client, page, settings):
    first = client.get("/")
    settings.SNAPSHOT_REFRESH_SECONDS = 1
    stale = store_old_copy(
        page.pk,
        "/",
        swap=(b"Powered by Beacon", b"Old copy"),
        rendered_at=(timezone.now() - timedelta(minutes=5)).timestamp(),
    )
    assert stale.etag != first["ETag"]
    assert "Old copy" not in client.get("/").content.decode()


def test_a_snapshot_says_its_length_so_it_is_not_sent_chunked(client, page):
    response = client.get("/")
    assert response.status_code == 200
    assert int(response["Content-Length"]) == len(response.content)
