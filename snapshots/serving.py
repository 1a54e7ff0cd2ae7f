"""Serving a stored document: the read path of every public URL.

A request finds its page in the host index and its document in the store: two `stat()` calls
and, most of the time, no read at all (the bytes are cached per process). Neither PostgreSQL nor
Redis is touched. A document never rendered is rendered once, while concurrent requests for it
wait; a stale one (its page has newer events, or it ages and is older than
SNAPSHOT_REFRESH_SECONDS: snapshots/documents.py) is served as it is while one background thread
renders it again. If the database is down when a document must be rendered, the stored copy is
served; with no stored copy the answer is a 503.
"""

import logging
import time

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from pages import viewers
from pages.lookup import page_for
from pages.models import Page

from . import documents, publisher, store

logger = logging.getLogger(__name__)


def serve(request: HttpRequest, key: str) -> HttpResponse:
    document = documents.document(key)
    if document is None:
        raise Http404("No such page.")
    synchronous = settings.SNAPSHOT_CHECK_SECONDS <= 0
    # A DatabaseError raised from here on, with nothing stored to serve, becomes a 503
    # (statuspage.middleware).
    page: Page | None = None
    if synchronous:
        # Tests and debugging: every read checks the outbox, so a write shows at once.
        publisher.publish(eager=False)
        page = page_for(request)
        page_id = page.pk
    else:
        publisher.start_polling()
        found = store.page_id_for_host(request.get_host())
        if found is None:
            page = page_for(request)
            publisher.write_hosts()
            found = page.pk
        page_id = found

    snapshot = store.read(page_id, key)
    if snapshot is None:
        snapshot = _render_once(page_id, key, page)
    elif is_stale(snapshot, page_id):
        if synchronous:
            snapshot = _render_once(page_id, key, page, replacing=snapshot)
        else:
            publisher.refresh_in_background(page_id, key)
    return respond(request, snapshot, fragment=document.fragment)


def access_for(request: HttpRequest) -> viewers.Access | None:
    """Who may see the request's page (None: everyone), as serve() finds the page: from the
    store's host index, or the database in synchronous mode and for a host not indexed yet."""
    if settings.SNAPSHOT_CHECK_SECONDS > 0:
        page_id, access = store.page_for_host(request.get_host())
        if page_id is not None:
            return access
    return viewers.access_of(page_for(request))


def is_stale(snapshot: store.Snapshot, page_id: str) -> bool:
    if snapshot.version < store.read_state().version(page_id):
        return True
    if time.time() - snapshot.rendered_at < settings.SNAPSHOT_REFRESH_SECONDS:
        return False
    # A document the clock does not change stays current until its page's next event.
    return documents.ages(snapshot.key)


def _render_once(
    page_id: str, key: str, page: Page | None, replacing: store.Snapshot | None = None
) -> store.Snapshot:
    """Render under a per-document lock; whoever waited gets the render that was just made."""
    with store.thread_lock(f"{page_id}:{key}"):
        current = store.read(page_id, key)
        if current is not None and current != replacing:
            return current
        try:
            if page is None:
                page = Page.objects.filter(pk=page_id).first()
                if page is None:
                    raise Http404("No status page has been set up yet.")
            return publisher.render(page, key)
        except DatabaseError:
            if replacing is not None:
                return replacing
            raise


def cache_control(*, fragment: bool) -> str:
    return (
        f"public, max-age={0 if fragment else settings.PUBLIC_CACHE_MAX_AGE}, "
        f"s-maxage={settings.PUBLIC_CACHE_S_MAXAGE}, "
        f"stale-while-revalidate={settings.PUBLIC_CACHE_STALE_WHILE_REVALIDATE}, "
        f"stale-if-error={settings.PUBLIC_CACHE_STALE_IF_ERROR}"
    )


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header admits gzip (RFC 9110 12.5.3): named, or `*`, with a
    non-zero weight. Parts that cannot be read are ignored."""
    named: float | None = None
    star: float | None = None
    for part in accept_encoding.split(","):
        coding, _, params = part.partition(";")
        coding = coding.strip().lower()
        weight = 1.0
        name, _, value = params.partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value.strip())
            except ValueError:
                continue
        if coding == "gzip" or coding == "x-gzip":
            named = weight if named is None else max(named, weight)
        elif coding == "*":
            star = weight
    chosen = named if named is not None else star
    return chosen is not None and chosen > 0


# What a 304 keeps of the full response's headers: Django's choice (RFC 9110 15.4.5), plus the
# CORS header, which a widget polling with its ETag needs on the 304 too.
NOT_MODIFIED_KEEPS = frozenset(
    ["etag", "last-modified", "cache-control", "vary", "access-control-allow-origin"]
)


def representation_headers(
    snapshot: store.Snapshot, *, compressed: bool, fragment: bool, private: bool = False
) -> list[tuple[str, str]]:
    """The headers of a stored document's full response, for one of its representations; a
    `private` page's are for the viewer's browser alone, which revalidates every time."""
    body, etag, _ = snapshot.representation(takes_gzip=compressed)
    headers = [
        ("Content-Type", snapshot.content_type),
        # Answered before CommonMiddleware, which would add it: without it the server falls
        # back to chunked framing, and caches and clients cannot see the size up front.
        ("Content-Length", str(len(body))),
        ("ETag", etag),
        ("Last-Modified", http_date(snapshot.modified_at)),
        (
            "Cache-Control",
            viewers.PRIVATE_CACHE_CONTROL if private else cache_control(fragment=fragment),
        ),
    ]
    if compressed:
        headers.append(("Content-Encoding", "gzip"))
    vary = ["Accept-Encoding"] if store.compressible(snapshot.content_type) else []
    if private:
        vary += viewers.PRIVATE_VARY
    if vary:
        headers.append(("Vary", ", ".join(vary)))
    if snapshot.key.startswith("/api/"):
        # Status widgets fetch the API from other origins.
        headers.append(("Access-Control-Allow-Origin", "*"))
    return headers


def respond(request: HttpRequest, snapshot: store.Snapshot, *, fragment: bool) -> HttpResponse:
    takes_gzip = accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    body, etag, compressed = snapshot.representation(takes_gzip=takes_gzip)
    response = HttpResponse(body)
    private = getattr(request, "_beacon_private", False)
    for name, value in representation_headers(
        snapshot, compressed=compressed, fragment=fragment, private=private
    ):
        response[name] = value
    conditional = get_conditional_response(
        request, etag=etag, last_modified=int(snapshot.modified_at), response=response
    )
    if conditional is not None and "Access-Control-Allow-Origin" in response:
        # Django's 304 is a new response that does not copy this header.
        conditional["Access-Control-Allow-Origin"] = response["Access-Control-Allow-Origin"]
    return conditional if conditional is not None else response
