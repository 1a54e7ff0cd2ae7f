"""The history feeds, read the way feed readers and scrapers read them (feeds.md)."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Incident, IncidentUpdate
from maintenance import services as maintenance_services
from snapshots import store

ATOM = "{http://www.w3.org/2005/Atom}"


def fetch(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200
    return response.content


def child(element: ET.Element, tag: str) -> ET.Element:
    found = element.find(tag)
    assert found is not None, tag
    return found


def text(element: ET.Element, tag: str) -> str:
    value = child(element, tag).text
    assert value is not None, tag
    return value


def bodies(body: bytes) -> dict[str, str]:
    """Each entry's HTML exactly as the XML carries it (feedparser rewrites markup), by title."""
    root = ET.fromstring(body)
    if root.tag == f"{ATOM}feed":
        return {
            text(entry, f"{ATOM}title"): text(entry, f"{ATOM}content")
            for entry in root.iter(f"{ATOM}entry")
        }
    return {text(item, "title"): text(item, "description") for item in root.iter("item")}


def parse(body: bytes):
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/history.atom", "application/atom+xml; charset=utf-8"),
        ("/history.rss", "application/rss+xml; charset=utf-8"),
    ],
)
def test_both_feeds_are_well_formed_xml_feeds(world, client, path, content_type):
    response = client.get(path)

    assert response["Content-Type"] == content_type
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    ET.fromstring(response.content)
    feed = parse(response.content)
    assert feed.feed.title == "Example Status Status - Incident History"
    assert len(feed.entries) == 7  # three incidents, four maintenance windows
    assert not response.cookies


def test_entries_are_newest_first_with_upcoming_maintenance_on_top(world, client):
    feed = parse(fetch(client, "/history.atom"))

    assert sorted_titles(feed) == [
        "Database upgrade",  # upcoming: dated by its window, in three days
        "Storage migration",  # cancelled: dated by its cancellation, the latest update
        "Search reindex",
        "Elevated API error rates",
        "Dashboard login failures",  # dated by its resolution, not its postmortem
        "Delayed email delivery",
        "Network switch replacement",  # completed two days ago
    ]


def sorted_titles(feed) -> list[str]:
    """The titles, after checking that the entries really are in descending date order."""
    dates = [entry.published_parsed for entry in feed.entries]
    assert dates == sorted(dates, reverse=True)
    return [entry.title for entry in feed.entries]


def test_upcoming_maintenance_sits_at_the_top_dated_by_its_window(world, client):
    feed = parse(fetch(client, "/history.rss"))

    titles = sorted_titles(feed)
    assert titles[0] == "Database upgrade"
    start = world.upcoming.scheduled_for.astimezone(world.upcoming.page.tz)
    assert feed.entries[0].published == start.strftime("%a, %d %b %Y %H:%M:%S %z")


def test_an_entry_body_has_the_exact_markup_scrapers_read(world, client):
    body = bodies(fetch(client, "/history.atom"))["Delayed email delivery"]
    assert bodies(fetch(client, "/history.rss"))["Delayed email delivery"] == body

    paragraphs = body.split("</p>")
    assert paragraphs[1] + "</p>" == (
        "<p><small>Nov <var data-var='date'> 5</var>, <var data-var='time'>14:05</var> CET"
        "</small><br><strong>Identified</strong> - A queue is stuck.<br /><br />"
        "We are draining it.</p>"
    )
    assert paragraphs[2] + "</p>" == (
        "<p><small>Nov <var data-var='date'> 5</var>, <var data-var='time'>13:05</var> CET"
        "</small><br><strong>Update</strong> - Still looking &lt;b&gt;&amp; digging&lt;/b&gt;."
        "</p>"
    )
    assert paragraphs[3] + "</p>" == (
        "<p><small>Nov <var data-var='date'> 5</var>, <var data-var='time'>12:05</var> CET"
        "</small><br><strong>Investigating</strong> - Outgoing email is delayed.<br />"
        "We are investigating.</p>"
    )
    assert paragraphs[0].startswith("<p><small>")
    assert "<strong>Resolved</strong> - This incident has been resolved." in paragraphs[0]


def test_the_body_is_entity_escaped_in_the_xml(world, client):
    atom = fetch(client, "/history.atom").decode()
    rss = fetch(client, "/history.rss").decode()

    expected = (
        "&lt;strong&gt;Update&lt;/strong&gt; - Still looking &amp;lt;b&amp;gt;&amp;amp; "
        "digging&amp;lt;/b&amp;gt;."
    )
    assert expected in atom
    assert expected in rss
    assert "&amp;nbsp;-&amp;nbsp;" in rss


def test_a_scheduled_window_opens_with_its_dates_until_it_starts(world, client):
    found = bodies(fetch(client, "/history.rss"))
    body = found["Database upgrade"]
    tz = world.upcoming.page.tz
    start = world.upcoming.scheduled_for.astimezone(tz)
    end = world.upcoming.scheduled_until.astimezone(tz)

    def stamp(at):
        return (
            f"{at:%b} <var data-var='date'>{at.day:>2}</var>, "
            f"<var data-var='time'>{at:%H:%M}</var> {at.tzname()}"
        )

    assert body.startswith(
        f"<p><strong>THIS IS A SCHEDULED EVENT {stamp(start)} &nbsp;-&nbsp; {stamp(end)}"
        "</strong></p><p><small>"
    )
    assert "<strong>Scheduled</strong> - We will upgrade the primary database.</p>" in body

    done = found["Network switch replacement"]
    assert "THIS IS A SCHEDULED EVENT" not in done
    labels = [part.split("</strong>")[0] for part in done.split("<strong>")[1:]]
    assert labels == ["Completed", "In progress", "Scheduled"]


def test_a_published_postmortem_is_one_more_paragraph(world, client):
    body = bodies(fetch(client, "/history.atom"))["Dashboard login failures"]

    assert body.startswith("<p><small>")
    assert body.split("</p>")[0].endswith("<strong>Postmortem</strong> - A certificate expired.")


def test_entries_link_to_their_pages_and_keep_their_ids(world, alice, client):
    before = parse(fetch(client, "/history.atom"))
    incident_services.post_incident_update(
        incident=world.outage, status="monitoring", body="A fix is out.", actor=alice
    )
    after = parse(fetch(client, "/history.atom"))

    ids_before = {e.title: e.id for e in before.entries}
    ids_after = {e.title: e.id for e in after.entries}
    assert ids_before == ids_after
    assert len(set(ids_after.values())) == len(ids_after)
    entry = next(e for e in after.entries if e.title == "Elevated API error rates")
    assert entry.id.startswith("tag:status.example.com,2005:Incident/")
    assert entry.id.rsplit("/", 1)[1].isdigit()
    assert entry.link == f"https://status.example.com/incidents/{world.outage.pk}"
    assert "<strong>Monitoring</strong> - A fix is out." in entry.content[0].value

    rss = parse(fetch(client, "/history.rss"))
    item = next(e for e in rss.entries if e.title == "Database upgrade")
    assert item.link == item.id == f"https://status.example.com/incidents/{world.upcoming.pk}"
    assert client.get(item.link.removeprefix("https://status.example.com")).status_code == 301


def test_the_feeds_hold_the_25_latest_items(page, alice, client):
    now = timezone.now()
    for n in range(20):
        incident_services.open_incident(
            page=page,
            name=f"Incident {n}",
            body="Looking into it.",
            started_at=now - timedelta(hours=40 - n),
            actor=alice,
        )
    for n in range(10):
        maintenance_services.schedule_maintenance(
            page=page,
            name=f"Maintenance {n}",
            scheduled_for=now + timedelta(days=n + 1),
            scheduled_until=now + timedelta(days=n + 1, hours=1),
            body="Planned.",
            actor=alice,
        )

    atom = parse(fetch(client, "/history.atom"))
    rss = parse(fetch(client, "/history.rss"))

    expected = [f"Maintenance {n}" for n in reversed(range(10))] + [
        f"Incident {n}" for n in reversed(range(5, 20))
    ]
    assert sorted_titles(atom) == expected
    assert sorted_titles(rss) == expected


def test_titles_and_bodies_with_markup_and_control_characters_stay_well_formed(page, alice, client):
    title = 'Errors on <script>alert("x")</script> & "quotes"'
    incident = incident_services.open_incident(
        page=page, name=title, body="Bad bytes here ]]> and <![CDATA[ there", actor=alice
    )
    assert list(bodies(fetch(client, "/history.atom"))) == [title]
    assert parse(fetch(client, "/history.rss")).entries[0].title == title

    # The services refuse control characters; rows written before that, or by hand, may hold them.
    IncidentUpdate.objects.filter(incident=incident).update(body="Bell \x07 ]]>")
    Incident.objects.filter(pk=incident.pk).update(name="Tab\there <b>bold</b> \x0b")
    store.clear()  # queryset updates write no outbox event

    for path in ("/history.atom", "/history.rss"):
        body = fetch(client, path)
        parse(body)
        assert list(bodies(body)) == ["Tab\there <b>bold</b> "]
        assert "- Bell  ]]&gt;</p>" in bodies(body)["Tab\there <b>bold</b> "]


def test_the_feed_dates_follow_the_page(world, client):
    atom = fetch(client, "/history.atom")
    root = ET.fromstring(atom)

    updated = text(root, f"{ATOM}updated")
    assert updated.endswith("Z") and len(updated) == len("2026-11-05T13:05:00Z")
    entry = child(root, f"{ATOM}entry")
    assert [child.tag.removeprefix(ATOM) for child in entry] == [
        "id",
        "published",
        "updated",
        "link",
        "title",
        "content",
    ]
    channel = child(ET.fromstring(fetch(client, "/history.rss")), "channel")
    assert text(channel, "description") == "Statuspage"
    assert text(channel, "pubDate").endswith(("+0100", "+0200"))
    item = child(channel, "item")
    assert [child.tag for child in item] == ["title", "description", "pubDate", "link", "guid"]
    assert child(item, "guid").attrib == {}
