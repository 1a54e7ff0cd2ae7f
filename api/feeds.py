"""The incident history feeds, `/history.atom` and `/history.rss` (feeds.md).

The XML is written by the standard library's SAX `XMLGenerator`, which escapes every text and
attribute value; it is used rather than Django's feed generator because the contract fixes the
order of the elements, which that generator does not follow. The HTML bodies are built here as
strings, with every piece of operator text HTML-escaped first.
"""

import html
import io
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

from django.db.models import Case, DateTimeField, F, Max, When
from django.db.models.functions import Coalesce
from django.http import Http404

from incidents.models import Incident
from maintenance.models import Maintenance, MaintenanceStatus
from pages.models import Page
from snapshots.documents import shared
from statuspage.timefmt import iso_utc, rss_time

from .common import page_url, round_updated_at, shortlink

ATOM_TYPE = "application/atom+xml; charset=utf-8"
RSS_TYPE = "application/rss+xml; charset=utf-8"
ITEMS = 25

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LABELS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "postmortem": "Postmortem",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "verifying": "Verifying",
    "completed": "Completed",
}
# Characters XML 1.0 forbids even when escaped; a stray one would make the feed unreadable.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def xml_text(value: str) -> str:
    return NOT_XML.sub("", value)


# Entry bodies ---------------------------------------------------------------------------------


def stamp(value: datetime, tz: tzinfo) -> str:
    """ "Nov <var data-var='date'> 5</var>, <var data-var='time'>14:05</var> CET" """
    local = value.astimezone(tz)
    zone = html.escape(local.tzname() or "", quote=False)
    return (
        f"{MONTHS[local.month - 1]} <var data-var='date'>{local.day:>2}</var>, "
        f"<var data-var='time'>{local.hour:02d}:{local.minute:02d}</var> {zone}"
    )


def body_text(body: str) -> str:
    """Operator text, HTML-escaped, each line break a `<br />`."""
    return LINE_BREAK.sub("<br />", html.escape(body, quote=False))


def paragraph(at: datetime, label: str, body: str, tz: tzinfo) -> str:
    return f"<p><small>{stamp(at, tz)}</small><br><strong>{label}</strong> - {body_text(body)}</p>"


def labelled(updates: list[Any]) -> list[tuple[Any, str]]:
    """Updates newest first with their labels: "Update" when one repeats the status before it."""
    oldest_first = sorted(updates, key=lambda u: (u.display_at, u.created_at, u.pk))
    result = []
    previous = None
    for update in oldest_first:
        label = "Update" if update.status == previous else LABELS.get(update.status, "Update")
        previous = update.status
        result.append((update, label))
    result.reverse()
    return result


def incident_body(incident: Incident, tz: tzinfo) -> str:
    """Needs `updates` prefetched and `postmortem` selected."""
    paragraphs = [
        (update.display_at, paragraph(update.display_at, label, update.body, tz))
        for update, label in labelled(list(incident.updates.all()))
    ]
    postmortem = getattr(incident, "postmortem", None)
    if postmortem is not None and postmortem.published_at is not None:
        published = postmortem.published_at
        paragraphs.append((published, paragraph(published, "Postmortem", postmortem.body, tz)))
    paragraphs.sort(key=lambda item: item[0], reverse=True)
    return "".join(text for _, text in paragraphs)


def maintenance_body(maintenance: Maintenance, tz: tzinfo) -> str:
    """Needs `updates` prefetched. A window not yet started opens with its dates."""
    header = ""
    if maintenance.status == MaintenanceStatus.SCHEDULED:
        header = (
            f"<p><strong>THIS IS A SCHEDULED EVENT {stamp(maintenance.scheduled_for, tz)} "
            f"&nbsp;-&nbsp; {stamp(maintenance.scheduled_until, tz)}</strong></p>"
        )
    return header + "".join(
        paragraph(update.display_at, label, update.body, tz)
        for update, label in labelled(list(maintenance.updates.all()))
    )


# Items ----------------------------------------------------------------------------------------


@dataclass
class Item:
    public_id: str
    title: str
    published: datetime
    updated: datetime
    body: str

    @property
    def number(self) -> int:
        """A stable number for the Atom id: the 12-character code read in base 36."""
        try:
            return int(self.public_id, 36)
        except ValueError:
            return int.from_bytes(self.public_id.encode()[:16], "big")


def _latest_update(relation: str) -> Coalesce:
    return Coalesce(Max(f"{relation}__display_at"), F("created_at"), output_field=DateTimeField())


def feed_items(page: Page, limit: int = ITEMS) -> list[Item]:
    """The latest incidents and maintenance together, newest entry time first (four queries).

    An entry's time is its newest update's, except that a maintenance not yet started is
    dated by the start of its window, which puts upcoming work at the top.
    """
    tz = page.tz
    incidents = (
        Incident.objects.filter(page=page)
        .annotate(entry_at=_latest_update("updates"))
        .select_related("postmortem")
        .prefetch_related("updates")
        .order_by("-entry_at", "-created_at")[:limit]
    )
    maintenances = (
        Maintenance.objects.filter(page=page)
        .annotate(
            entry_at=Case(
                When(status=MaintenanceStatus.SCHEDULED, then=F("scheduled_for")),
                default=_latest_update("updates"),
                output_field=DateTimeField(),
            )
        )
        .prefetch_related("updates")
        .order_by("-entry_at", "-created_at")[:limit]
    )
    items = [
        Item(i.pk, i.name, i.entry_at, i.updated_at, incident_body(i, tz)) for i in incidents
    ] + [
        Item(m.pk, m.name, m.entry_at, m.updated_at, maintenance_body(m, tz)) for m in maintenances
    ]
    items.sort(key=lambda item: (item.published, item.public_id), reverse=True)
    return items[:limit]


# Documents ------------------------------------------------------------------------------------


def _host(page: Page) -> str:
    return urlsplit(page.url).hostname or "localhost"


class _Writer:
    """XMLGenerator with indentation, so the feeds read like the contract's examples."""

    def __init__(self) -> None:
        self.out = io.StringIO()
        self.xml = XMLGenerator(self.out, encoding="UTF-8", short_empty_elements=True)
        self.xml.startDocument()

    def open(self, depth: int, name: str, attrs: dict[str, str] | None = None) -> None:
        self.xml.ignorableWhitespace("  " * depth)
        self.xml.startElement(name, AttributesImpl(attrs or {}))
        self.xml.ignorableWhitespace("\n")

    def close(self, depth: int, name: str) -> None:
        self.xml.ignorableWhitespace("  " * depth)
        self.xml.endElement(name)
        self.xml.ignorableWhitespace("\n")

    def leaf(
        self, depth: int, name: str, text: str = "", attrs: dict[str, str] | None = None
    ) -> None:
        self.xml.ignorableWhitespace("  " * depth)
        self.xml.startElement(name, AttributesImpl(attrs or {}))
        if text:
            self.xml.characters(xml_text(text))
        self.xml.endElement(name)
        self.xml.ignorableWhitespace("\n")

    def bytes(self) -> bytes:
        self.xml.endDocument()
        # XMLGenerator ends the declaration with a newline before the root: keep it.
        return self.out.getvalue().encode()


def check_feeds_allowed(page: Page) -> None:
    """Feeds exist only while the page offers them; the snapshot store then forgets them too."""
    if not page.allow_rss_atom_feeds:
        raise Http404("This page does not offer feeds.")


def _round_items(page: Page, now: datetime) -> list[Item]:
    """The feeds' items, looked up once for the Atom and RSS feeds of a publish round."""
    return shared("feed_items", page, now, lambda: feed_items(page))


def render_atom(page: Page, now: datetime) -> bytes:
    check_feeds_allowed(page)
    host = _host(page)
    url = page_url(page)
    w = _Writer()
    w.open(0, "feed", {"xml:lang": "en-US", "xmlns": "http://www.w3.org/2005/Atom"})
    w.leaf(1, "id", f"tag:{host},2005:/history")
    w.leaf(1, "link", attrs={"rel": "alternate", "type": "text/html", "href": url})
    w.leaf(
        1,
        "link",
        attrs={"rel": "self", "type": "application/atom+xml", "href": f"{url}/history.atom"},
    )
    w.leaf(1, "title", f"{page.name} Status - Incident History")
    w.leaf(1, "updated", iso_utc(round_updated_at(page, now)))
    w.open(1, "author")
    w.leaf(2, "name", page.name)
    w.close(1, "author")
    for item in _round_items(page, now):
        w.open(1, "entry")
        w.leaf(2, "id", f"tag:{host},2005:Incident/{item.number}")
        w.leaf(2, "published", iso_utc(item.published))
        w.leaf(2, "updated", iso_utc(item.updated))
        w.leaf(
            2,
            "link",
            attrs={
                "rel": "alternate",
                "type": "text/html",
                "href": shortlink(page, item.public_id),
            },
        )
        w.leaf(2, "title", item.title)
        w.leaf(2, "content", item.body, attrs={"type": "html"})
        w.close(1, "entry")
    w.close(0, "feed")
    return w.bytes()


def render_rss(page: Page, now: datetime) -> bytes:
    check_feeds_allowed(page)
    tz = page.tz
    w = _Writer()
    w.open(0, "rss", {"version": "2.0", "xmlns:dc": "http://purl.org/dc/elements/1.1/"})
    w.open(1, "channel")
    w.leaf(2, "title", f"{page.name} Status - Incident History")
    w.leaf(2, "link", page_url(page))
    w.leaf(2, "description", "Statuspage")
    w.leaf(2, "pubDate", rss_time(round_updated_at(page, now), tz))
    for item in _round_items(page, now):
        link = shortlink(page, item.public_id)
        w.open(2, "item")
        w.leaf(3, "title", item.title)
        w.leaf(3, "description", item.body)
        w.leaf(3, "pubDate", rss_time(item.published, tz))
        w.leaf(3, "link", link)
        w.leaf(3, "guid", link)
        w.close(2, "item")
    w.close(1, "channel")
    w.close(0, "rss")
    return w.bytes()
