"""The one table of public URLs answered by a stored document, which the renderers fill.

Each `Route` names a URL (as `django.urls.path()` writes it), how the document it shows is
rendered and what its view adds to the stored answer. Everything on the read path reads this
table: the renderers' URL confs (`urlpatterns`), the lane in front of Django (snapshots/lane.py),
the one view behind it (snapshots/views.py) and the publisher. The store renders nothing of its
own: `public` and `api` register their routes from their AppConfig.ready, so a renderer that
cannot be imported stops the process at start-up instead of turning its URLs into 404s.

A document is a pure function of a page's data and "now" (`render(page, now) -> bytes`), so
the publisher can render it ahead of any request. Most documents change only when the page's
data does, so the publisher renders them again on the events of their page (the outbox) alone;
a document that shows something the clock changes by itself ("ongoing for 2 h", "last
updated", the uptime bars rolling over at midnight in the page's time zone, a maintenance window
opening by its date on the home page, the calendar's 30 days of past windows) says so with
`ages`, and is also rendered again once it is `SNAPSHOT_REFRESH_SECONDS` old, by the
publisher's periodic refresh and on a read. `ages` is True unless a route says otherwise, so a
document nobody has thought about keeps being refreshed; a route sets it to False only when
its renderer reads no clock (it ignores `now` and reads no time-relative query) and each
change of what it shows comes with an outbox event (a maintenance started or completed by the
scheduler is one). Its key in the store is the URL's path, plus
`?name=value` for the variants a query parameter picks (`/history?page=2`). Renderers raise
Http404 when what the path names does not exist. Documents built from the same context (a
page and its fragment) may compute it once per publish round with `shared()`.
"""

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import Http404, HttpResponse, QueryDict
from django.urls.resolvers import RoutePattern
from django.utils.http import urlencode

from pages.models import Page

Render = Callable[[Page, datetime], bytes]
View = Callable[..., HttpResponse]

_CAPTURE = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Document:
    render: Render
    content_type: str
    # Fragments are polled by the open page; a browser-cached copy would only delay the news.
    fragment: bool = False


def _plain(raw: str | None) -> str | None:
    return raw or None


@dataclass(frozen=True)
class Route:
    """A public URL whose answer is a stored document."""

    # As for django.urls.path(), without the leading slash: "incidents/<str:incident_id>".
    route: str
    # The URL's name in its renderer's namespace, for reverse() and {% url %}.
    name: str
    # The document for the URL's captured values (and the query variant, if any); None when
    # they cannot name one (an id of the wrong shape).
    make: Callable[..., Document | None]
    # The query parameter picking a variant (`?page=2`), and `variant`, which turns its raw
    # value into the one the key holds: None for the plain document, Http404 when invalid.
    query: str | None = None
    variant: Callable[[str | None], str | None] = _plain
    # Rendered again by every event of its page; fixed paths only.
    eager: bool = False
    # Rendered at the head of a publish round, before the pages an event is about and the other
    # eager documents: what people and programs poll for news (the home page and its fragment,
    # the summary and status, the feeds). An update committed during a round waits for it.
    early: bool = False
    # Rendered again by every event about one incident or maintenance ("incident", ...).
    subject: str | None = None
    # Whether the document changes with the clock alone, and so is rendered again once it is
    # SNAPSHOT_REFRESH_SECONDS old (see the module's docstring); False only when it does not.
    ages: bool = True
    # Whether the lane may answer it; False where the view adjusts the stored answer.
    lane: bool = True
    # Wraps the view, for what the URL adds to the document (CORS, a download name, ...).
    view: Callable[[View], View] | None = None
    # Read by programs (the API, feeds, calendar, badge, embed, a stylesheet, the fragments
    # htmx polls), not loaded as a page by a person's browser: on a private page a viewer's
    # feed token admits them, and without one they get a 401 rather than the sign-in page
    # (pages/viewers.py).
    machine: bool = False
    pattern: RoutePattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", RoutePattern(self.route, is_endpoint=True))

    def path_for(self, **captured: str) -> str:
        return "/" + _CAPTURE.sub(lambda match: captured[match[1]], self.route)

    def key(self, path: str, query: QueryDict) -> str:
        """The stored document's key for a request's path and query. Http404 if invalid."""
        if self.query is None:
            return path
        value = self.variant(query.get(self.query))
        return path if value is None else f"{path}?{urlencode({self.query: value})}"


_routes: list[Route] = []
# The app (URL namespace) that registered each route.
_apps: dict[str, str] = {}
# What ages() found, by path.
_ages: dict[str, bool] = {}
AGES_MEMO_LIMIT = 4096


def register(app: str, *routes: Route) -> None:
    """Called by each renderer's AppConfig.ready, in the order Django should match them."""
    for route in routes:
        if route in _routes:
            continue  # the apps were set up again (a test's INSTALLED_APPS)
        if route.route in _apps:
            raise ValueError(f"the public URL {route.route!r} is registered twice")
        _apps[route.route] = app
        _routes.append(route)
        _ages.clear()


def routes() -> list[Route]:
    return list(_routes)


def find(path: str) -> tuple[Route, dict[str, Any]] | None:
    """The route a path (with its leading slash) matches, and the values it captures."""
    relative = path.removeprefix("/")
    for route in _routes:
        match = route.pattern.match(relative)
        if match is not None:
            return route, match[2]
    return None


def routes_of(app: str) -> list[Route]:
    """The routes one renderer registered, in its order."""
    return [route for route in _routes if _apps[route.route] == app]


def document(key: str) -> Document | None:
    """The document a store key names, or None."""
    path, _, query = key.partition("?")
    found = find(path)
    if found is None:
        return None
    route, captured = found
    params = QueryDict(query)
    try:
        if route.key(path, params) != key:
            return None
    except Http404:
        return None
    if route.query is not None:
        captured = {**captured, route.query: route.variant(params.get(route.query))}
    return route.make(**captured)


def eager_keys() -> list[str]:
    """The documents every event of a page may change, the `early` ones first."""
    eager = [route for route in _routes if route.eager]
    return [route.path_for() for route in sorted(eager, key=lambda route: not route.early)]


def early_keys() -> list[str]:
    """The eager documents a publish round renders first, in the order readers look at them."""
    return [route.path_for() for route in _routes if route.eager and route.early]


def ageing_keys() -> list[str]:
    """The eager documents that the clock changes, which the periodic refresh renders again."""
    return [route.path_for() for route in _routes if route.eager and route.ages]


def ages(key: str) -> bool:
    """Whether the document a store key names changes with the clock (True if unknown).
    Asked on reads of documents older than SNAPSHOT_REFRESH_SECONDS, so remembered by path."""
    path = key.partition("?")[0]
    known = _ages.get(path)
    if known is None:
        found = find(path)
        known = True if found is None else found[0].ages
        if len(_ages) >= AGES_MEMO_LIMIT:
            _ages.clear()
        _ages[path] = known
    return known


def subject_keys(subject_type: str, subject_id: str) -> list[str]:
    """The documents about one incident or maintenance, which its events change."""
    return [
        route.path_for(**dict.fromkeys(route.pattern.converters, subject_id))
        for route in _routes
        if route.subject == subject_type
    ]


_sharing = threading.local()


@contextmanager
def sharing() -> Iterator[None]:
    """Within it (one publish round of one page, in this thread), `shared()` computes each of
    its values once: the documents rendered are the same as when each computes its own."""
    _sharing.values = {}
    try:
        yield
    finally:
        _sharing.values = None


def shared[T](name: str, page: Page, now: datetime, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave for the same name, page and "now" within `sharing()`.
    What it returns must not be changed by its users (a template context is only read)."""
    values: dict[tuple[str, str, datetime], Any] | None = getattr(_sharing, "values", None)
    if values is None:
        return compute()
    key = (name, page.pk, now)
    if key not in values:
        values[key] = compute()
    return values[key]
