# mypy: disable-error-code="union-attr"
"""The page's feeds switch (allow_rss_atom_feeds): off, the feeds are gone everywhere readers
look, the stored snapshots included; on again, they are back."""

import json

import pytest

from incidents import services as incident_services
from operator_api.services import create_api_key
from pages.services import save_page
from snapshots import publisher, store
from tests.support.forms import page_form_data

FEEDS = ["/history.atom", "/history.rss"]


@pytest.fixture
def key(page) -> str:
    return create_api_key(page=page, name="CI", actor="tests")[1]


@pytest.fixture
def incident(page):
    return incident_services.open_incident(
        page=page, name="Elevated error rates", body="Looking.", actor="tests"
    )


def patch_page(client, page, key: str, body: dict):
    return client.patch(
        f"/v1/pages/{page.pk}",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"OAuth {key}",
    )


def switch(page, on: bool) -> None:
    page.allow_rss_atom_feeds = on
    save_page(page=page, actor="tests")


def test_feeds_are_on_by_default_and_linked_from_the_public_pages(client, page, incident):
    assert page.allow_rss_atom_feeds is True
    for path in FEEDS:
        assert client.get(path).status_code == 200, path
    for path in ["/", "/history", f"/incidents/{incident.pk}"]:
        html = client.get(path).content.decode()
        assert 'rel="alternate" type="application/atom+xml"' in html, path
        assert 'rel="alternate" type="application/rss+xml"' in html, path
        assert 'href="/history.atom"' in html and 'href="/history.rss"' in html, path


def test_switched_off_the_published_feeds_are_forgotten_and_answer_404(client, page, incident):
    publisher.publish()
    for path in FEEDS:
        assert client.get(path).status_code == 200
        assert store.read(page.pk, path) is not None

    switch(page, False)
    publisher.publish()

    # The publisher reacted to the page.changed event: nothing stale is left to serve.
    for path in FEEDS:
        assert store.read(page.pk, path) is None, path
        assert client.get(path).status_code == 404, path
        assert client.head(path).status_code == 404, path
    for path in ["/", "/history", f"/incidents/{incident.pk}"]:
        html = client.get(path).content.decode()
        assert "application/atom+xml" not in html, path
        assert "application/rss+xml" not in html, path
        assert "history.atom" not in html and "history.rss" not in html, path


def test_a_stored_feed_is_not_served_once_the_switch_is_off_even_before_the_publisher_runs(
    client, page, incident
):
    publisher.publish()
    assert client.get("/history.atom").status_code == 200

    switch(page, False)  # no publish(): the stored feed is now older than the page

    assert client.get("/history.atom").status_code == 404
    assert store.read(page.pk, "/history.atom") is None


def test_switched_on_again_the_feeds_are_published_and_served(client, page, incident):
    switch(page, False)
    publisher.publish()
    assert client.get("/history.rss").status_code == 404

    switch(page, True)
    publisher.publish()

    for path in FEEDS:
        assert store.read(page.pk, path) is not None, path
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"Elevated error rates" in response.content
    assert 'href="/history.atom"' in client.get("/").content.decode()


def test_the_operator_api_reports_and_switches_the_feeds(client, page, key, incident):
    read = client.get(f"/v1/pages/{page.pk}", HTTP_AUTHORIZATION=f"OAuth {key}")
    assert read.status_code == 200
    assert read.json()["allow_rss_atom_feeds"] is True
    assert read.json()["allow_incident_subscribers"] is True

    off = patch_page(client, page, key, {"page": {"allow_rss_atom_feeds": False}})
    assert off.status_code == 200, off.content
    assert off.json()["allow_rss_atom_feeds"] is False
    page.refresh_from_db()
    assert page.allow_rss_atom_feeds is False
    assert client.get("/history.atom").status_code == 404
    assert page.events.filter(kind="page.changed").exists()

    on = patch_page(client, page, key, {"page": {"allow_rss_atom_feeds": True}})
    assert on.json()["allow_rss_atom_feeds"] is True
    assert client.get("/history.atom").status_code == 200


def test_the_switch_takes_a_boolean_only(client, page, key):
    for bad in ["sometimes", 2, [], {}]:
        reply = patch_page(client, page, key, {"page": {"allow_rss_atom_feeds": bad}})
        assert reply.status_code == 422, bad
        assert "allow_rss_atom_feeds" in reply.json()["message"]
    page.refresh_from_db()
    assert page.allow_rss_atom_feeds is True


def test_page_admins_switch_the_feeds_in_the_page_form(client, alice, page):
    client.force_login(alice)
    url = f"/admin/pages/page/{page.pk}/change/"
    form = client.get(url)
    assert b'name="allow_rss_atom_feeds"' in form.content
    response = client.post(url, page_form_data(page, allow_rss_atom_feeds=False))
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    assert page.allow_rss_atom_feeds is False
    client.logout()
    assert client.get("/history.atom").status_code == 404
