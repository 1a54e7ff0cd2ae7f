"""The read path's express lane: stored documents answered at the WSGI layer, before Django.

A status page is read thousands of times for each write, so reading a stored document should
cost less than the cheapest Django view. This WSGI wrapper answers the common case, a GET or
HEAD for a stored document on an allowed host, straight from the store (gzip-compressed when
the client accepts it; the store keeps that copy): no request or response objects, no
middleware, no signals, and headers built once per document. A 304 costs a few string
comparisons.

It answers the URLs of the document table (snapshots/documents.py) that the table lets it;
whatever it is not sure of goes on to Django, whose one document view (snapshots/views.py) and
other views give the usual answers: other methods, unknown paths and hosts, documents never
rendered, If-Match and If-Unmodified-Since, plain http when https is enforced, and tests
(SNAPSHOT_CHECK_SECONDS = 0, where every read checks the outbox). What it answers is what
Django would: same status, body and headers, including those of the security and
Content-Security-Policy middleware (tested in tests/snapshots/test_lane.py).

A page that is not public (pages/viewers.py) is served the same way to whoever may see it, with
`Cache-Control: private` and `Vary: Cookie`; the verdict comes from the access the publisher
stored beside the host index and from the request (its address, the viewer cookie, a feed
token), with each cookie's signature checked once per process. Whoever may not see it gets the
lane's refusal (a redirect to sign in, a 401 or a 403), never a 304 or an ETag.
"""

import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.http import Http404, HttpResponse, QueryDict
from django.http.request import split_domain_port, validate_host
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.http import parse_etags, parse_http_date_safe

from pages import viewers

from . import documents, publisher, store
from .serving import NOT_MODIFIED_KEEPS, accepts_gzip, is_stale, representation_headers

StartResponse = Callable[..., Any]
Headers = list[tuple[str, str]]

# Bounds on the per-process memos, which requests' Host headers and paths fill.
MEMO_LIMIT = 1024
REFUSED_STATUS = {302: "302 Found", 401: "401 Unauthorized", 403: "403 Forbidden"}
_TOKEN_PREFIX = viewers.TOKEN_PARAMETER + "="


def split_token(query: str) -> tuple[str, str | None]:
    """The query without a feed token (`access=`), and the token."""
    if _TOKEN_PREFIX not in query:
        return query, None
    token = None
    kept = []
    for part in query.split("&"):
        if part.startswith(_TOKEN_PREFIX):
            token = unquote_plus(part[len(_TOKEN_PREFIX) :]) or None
        else:
            kept.append(part)
    return "&".join(kept), token


def _site_headers(secure: bool) -> Headers:
    """The headers Django's middleware adds to every stored document's response."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "443" if secure else "80",
        "wsgi.url_scheme": "https" if secure else "http",
        "wsgi.input": io.BytesIO(),
    }
    request = WSGIRequest(environ)
    response = HttpResponse()
    del response["Content-Type"]
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    response = ContentSecurityPolicyMiddleware(lambda r: response).process_response(
        request, response
    )
    response = SecurityMiddleware(lambda r: response).process_response(request, response)
    return list(response.items())


class SnapshotLane:
    def __init__(self, application: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]):
        self.application = application
        self._allowed: dict[str, bool] = {}
        # (path, query) -> (document key, is a fragment, is read by machines), or None for paths
        # the lane leaves alone.
        self._keys: dict[tuple[str, str], tuple[str, bool, bool] | None] = {}
        self._site: dict[bool, Headers] = {}
        self._gzip: dict[str, bool] = {}
        # (snapshot, secure, not modified, gzip, private) -> headers; a new snapshot is a new key.
        self._headers: dict[tuple[int, bool, bool, bool, bool], tuple[store.Snapshot, Headers]] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answer = self.answer(environ)
        if answer is None:
            return self.application(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def answer(self, environ: dict[str, Any]) -> tuple[str, Headers, bytes] | None:
        """(status, headers, body) for a request the lane can answer, else None."""
        if settings.SNAPSHOT_CHECK_SECONDS <= 0:
            return None
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        if "HTTP_IF_MATCH" in environ or "HTTP_IF_UNMODIFIED_SINCE" in environ:
            return None
        if environ.get("SCRIPT_NAME"):
            return None
        secure = self._is_secure(environ)
        if secure is None:
            return None
        host = self._allowed_host(environ)
        if host is None:
            return None
        path = environ.get("PATH_INFO", "")
        query, token = split_token(environ.get("QUERY_STRING", ""))
        found = self._key(path, query)
        if found is None:
            return None
        key, fragment, machine = found
        page_id, access = store.page_for_host(host)
        if page_id is None:
            return None
        if access is not None:
            refused = self._refusal(environ, access, path, query, token, machine, secure)
            if refused is not None:
                # Polling keeps the access current too: the page may be made public again.
                publisher.start_polling()
                return refused
        snapshot = store.read(page_id, key)
        if snapshot is None or snapshot.status != 200:
            return None
        publisher.start_polling()
        if is_stale(snapshot, page_id):
            publisher.refresh_in_background(page_id, key)
        body, etag, compressed = snapshot.representation(takes_gzip=self._accepts_gzip(environ))
        not_modified = self._not_modified(environ, etag, snapshot.modified_at)
        headers = self._headers_for(
            snapshot, secure, not_modified, fragment, compressed, access is not None
        )
        if not_modified:
            return "304 Not Modified", headers, b""
        return "200 OK", headers, body

    # Request ----------------------------------------------------------------------------------

    def _is_secure(self, environ: dict[str, Any]) -> bool | None:
        """Whether Django would see https; None when it would redirect to https first."""
        secure = environ.get("wsgi.url_scheme") == "https"
        if settings.SECURE_PROXY_SSL_HEADER:
            header, value = settings.SECURE_PROXY_SSL_HEADER
            given = environ.get(header)
            if given is not None:
                secure = given.split(",", 1)[0].strip() == value
        if settings.SECURE_SSL_REDIRECT and not secure:
            return None
        return secure

    def _allowed_host(self, environ: dict[str, Any]) -> str | None:
        """The Host header when ALLOWED_HOSTS admits it (as Django's get_host decides)."""
        if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in environ:
            return None
        host = environ.get("HTTP_HOST")
        if not host:
            return None
        allowed = self._allowed.get(host)
        if allowed is None:
            hosts = settings.ALLOWED_HOSTS
            if settings.DEBUG and not hosts:
                hosts = [".localhost", "127.0.0.1", "[::1]"]
            domain, _port = split_domain_port(host)
            allowed = bool(domain) and validate_host(domain, hosts)
            if len(self._allowed) >= MEMO_LIMIT:
                self._allowed.clear()
            self._allowed[host] = allowed
        return host if allowed else None

    def _key(self, path: str, query: str) -> tuple[str, bool, bool] | None:
        memo = (path, query)
        if memo in self._keys:
            return self._keys[memo]
        found = None
        # WSGI carries the path as latin-1; an ASCII path is the same string in Django.
        route = documents.find(path) if path.isascii() and query.isascii() else None
        if route is not None and route[0].lane:
            try:
                key = route[0].key(path, QueryDict(query))
            except Http404:
                key = None  # Django answers it with its 404 page
            doc = documents.document(key) if key is not None else None
            if key is not None and doc is not None:
                found = (key, doc.fragment, route[0].machine)
        if len(self._keys) >= MEMO_LIMIT:
            self._keys.clear()
        self._keys[memo] = found
        return found

    def _accepts_gzip(self, environ: dict[str, Any]) -> bool:
        header = environ.get("HTTP_ACCEPT_ENCODING", "")
        accepted = self._gzip.get(header)
        if accepted is None:
            accepted = accepts_gzip(header)
            if len(self._gzip) >= MEMO_LIMIT:
                self._gzip.clear()
            self._gzip[header] = accepted
        return accepted

    def _not_modified(self, environ: dict[str, Any], etag: str, modified_at: float) -> bool:
        """Whether to answer 304, by RFC 9110's steps 3 and 4 (as Django decides)."""
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match:
            if if_none_match == etag:
                return True
            etags = parse_etags(if_none_match)
            if etags:
                if etags == ["*"]:
                    return True
                return any(given.removeprefix("W/") == etag for given in etags)
        if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
        if if_modified_since and not if_none_match:
            since = parse_http_date_safe(if_modified_since)
            return since is not None and int(modified_at) <= since
        return False

    def _refusal(
        self,
        environ: dict[str, Any],
        access: viewers.Access,
        path: str,
        query: str,
        token: str | None,
        machine: bool,
        secure: bool,
    ) -> tuple[str, Headers, bytes] | None:
        """The answer to a request that may not see the page, or None when it may."""
        if machine and token is None:
            token = viewers.token_from(environ, None)
        why = viewers.verdict(
            access,
            address=viewers.client_ip(environ),
            cookie=viewers.cookie_from(environ),
            token=token if machine else None,
        )
        if why is None:
            return None
        if path == "/fragments/home":
            next_path = "/"
        else:
            next_path = path.removesuffix("/fragment")
            if query:
                next_path += "?" + query
        status, own, body = viewers.refusal(why, next_path, machine=machine)
        return REFUSED_STATUS[status], own + self._site_for(secure), body

    # Response ---------------------------------------------------------------------------------

    def _site_for(self, secure: bool) -> Headers:
        """The middleware's headers, made once per scheme."""
        site = self._site.get(secure)
        if site is None:
            site = self._site[secure] = _site_headers(secure)
        return site

    def _headers_for(
        self,
        snapshot: store.Snapshot,
        secure: bool,
        not_modified: bool,
        fragment: bool,
        compressed: bool,
        private: bool,
    ) -> Headers:
        memo = (id(snapshot), secure, not_modified, compressed, private)
        found = self._headers.get(memo)
        if found is not None and found[0] is snapshot:
            return found[1]
        site = self._site_for(secure)
        own = representation_headers(
            snapshot, compressed=compressed, fragment=fragment, private=private
        )
        if not_modified:
            own = [(name, value) for name, value in own if name.lower() in NOT_MODIFIED_KEEPS]
        headers = own + site
        if len(self._headers) >= MEMO_LIMIT:
            self._headers.clear()
        # The snapshot is kept with its headers so that its id cannot be reused meanwhile.
        self._headers[memo] = (snapshot, headers)
        return headers
