"""Beacon's admin site: its name, the "View status page" link and login throttling.

Login attempts are counted in the cache (Redis in production) in a fixed window of
settings.LOGIN_ATTEMPTS_WINDOW seconds, under two keys: the client address, and the username
*from that address*. An address that fails LOGIN_ATTEMPTS_ADDRESS_LIMIT times, whatever the
usernames, is refused; so is a username that fails LOGIN_ATTEMPTS_LIMIT times from one
address. Nothing counts a username across addresses, so a stranger failing logins on an
admin's username from elsewhere locks only themselves out, never the admin.

Each attempt is counted *before* the password is checked, with an atomic increment, and refused
(HTTP 429, without checking the password) when the count passes a limit; a successful login
then gives its attempt back. So N concurrent attempts run at most the limit's number of
password checks, however they interleave. When the cache is unreachable or hung (its socket
timeout is 1 s) the login works unthrottled: locking every operator out during an outage would
be worse than a slower brute force.

Once single sign-on or a second factor is configured (signin_routed), this login only sends
operators to /accounts/login/ (statuspage/signin.py), whose password check counts attempts
with the same functions.
"""

import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .timefmt import admin_time

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's address; behind a trusted proxy, the one the proxy appended last."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _hashed(text: str) -> str:
    # Hashed so that any typed text makes a valid, bounded cache key.
    return "beacon:login:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def address_key(address: str) -> str:
    return _hashed("ip:" + address)


def username_key(address: str, username: str) -> str:
    return _hashed("user:" + username.strip().lower() + "\0ip:" + address)


@dataclass(frozen=True)
class Attempt:
    """One login attempt as counted: its keys, and how long it must wait (0: go ahead)."""

    keys: list[str]
    wait: int
    counted: bool


def _count(keys: list[str], window: int) -> list[tuple[int, int]]:
    """Add one to each key, atomically; (new count, seconds left in its window) for each."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # One round trip in a MULTI: SET NX starts the window with its expiry, INCR counts.
        # Django's incr() checks that the key exists first, and a key expiring between the two
        # would be counted forever without an expiry.
        names = [backend.make_and_validate_key(key) for key in keys]
        client = backend._cache.get_client(names[0], write=True)
        pipeline = client.pipeline(transaction=True)
        for name in names:
            pipeline.set(name, 0, nx=True, ex=window)
            pipeline.incr(name)
            pipeline.ttl(name)
        replies = pipeline.execute()
        return [
            (int(replies[i + 1]), max(int(replies[i + 2]), 1)) for i in range(0, len(replies), 3)
        ]
    # Other backends (the embedded mode's in-process cache): add() then incr() under its lock.
    counts = []
    now = time.time()
    for key in keys:
        backend.add(key + ":since", now, window)
        backend.add(key, 0, window)
        try:
            count = backend.incr(key)
        except ValueError:  # expired between add() and incr()
            backend.set(key, 1, window)
            count = 1
        since = backend.get(key + ":since") or now
        counts.append((count, max(math.ceil(since + window - now), 1)))
    return counts


def count_attempt(request: HttpRequest, username: str) -> Attempt:
    """Count a login attempt before its password is checked; say whether it may go ahead."""
    address = client_address(request)
    keys = [address_key(address)]
    limits = [settings.LOGIN_ATTEMPTS_ADDRESS_LIMIT]
    if username:
        keys.append(username_key(address, username))
        limits.append(settings.LOGIN_ATTEMPTS_LIMIT)
    try:
        counts = _count(keys, settings.LOGIN_ATTEMPTS_WINDOW)
    except Exception:
        logger.warning("login throttle: cache unavailable, not throttling", exc_info=True)
        return Attempt(keys, wait=0, counted=False)
    wait = max(
        (left for (count, left), limit in zip(counts, limits, strict=True) if count > limit),
        default=0,
    )
    return Attempt(keys, wait=wait, counted=True)


def forgive_attempt(attempt: Attempt) -> None:
    """After a successful login: the username's count starts again, and the attempt no longer
    counts against the address (a failure there still does)."""
    if not attempt.counted:
        return
    backend = caches["default"]
    address, *username = attempt.keys
    try:
        if isinstance(backend, RedisCache):
            names = [backend.make_and_validate_key(key) for key in attempt.keys]
            client = backend._cache.get_client(names[0], write=True)
            # A plain DECR of a key that just expired would leave one without an expiry.
            client.eval(_DECR_IF_EXISTS, 1, names[0])
            if username:
                client.delete(names[1])
            return
        backend.delete_many([*username, *(key + ":since" for key in username)])
        backend.decr(address)
    except ValueError:  # the window ended meanwhile
        pass
    except Exception:
        logger.warning("login throttle: cache unavailable", exc_info=True)


_DECR_IF_EXISTS = """
if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end
return false
"""


def signin_routed() -> bool:
    """Whether operators sign in through /accounts/login/ (single sign-on, from the settings or
    a provider added in the admin, or a second factor is configured: statuspage/signin.py)
    rather than through the admin's own password form."""
    from allauth.socialaccount.models import SocialApp

    if (
        settings.SIGNIN_OIDC_POLICIES
        or settings.SIGNIN_OIDC_ISSUER
        or settings.SIGNIN_OIDC_REQUIRED
        or settings.SIGNIN_MFA_ENABLED
    ):
        return True
    try:
        return SocialApp.objects.filter(provider="openid_connect").exists()
    except DatabaseError:
        # The database is down: the password form still shows, and posting it answers the
        # same clear 503 as every page that needs the database, rather than the form failing.
        return False


def throttled_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed login attempts; try again in {minutes} {unit}."


class BeaconAdminSite(admin.AdminSite):
    site_header = "Beacon"
    site_title = "Beacon"
    index_title = "Status page administration"
    site_url = "/"
    enable_nav_sidebar = True

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        if signin_routed():
            # Posts too: a password accepted here would skip the second factor. Someone signed
            # in but not let into the admin (no longer staff) starts again from a clean slate,
            # rather than loop between the two login pages.
            if request.user.is_authenticated:
                logout(request)
            next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(
                REDIRECT_FIELD_NAME, ""
            )
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = reverse("admin:index", current_app=self.name)
            return HttpResponseRedirect(
                reverse("account_login") + "?" + urlencode({REDIRECT_FIELD_NAME: next_url})
            )
        if request.method != "POST":
            return super().login(request, extra_context)
        username = request.POST.get("username", "")[:150]
        attempt = count_attempt(request, username)
        wait = attempt.wait
        if wait:
            form = AuthenticationForm(request, data=None, initial={"username": username})
            context = {
                **self.each_context(request),
                "title": "Log in",
                "subtitle": None,
                "app_path": request.get_full_path(),
                "username": request.user.get_username(),
                "form": form,
                "throttled_message": throttled_message(wait),
                REDIRECT_FIELD_NAME: request.POST.get(REDIRECT_FIELD_NAME, ""),
                **(extra_context or {}),
            }
            response: HttpResponse = TemplateResponse(
                request, self.login_template or "admin/login.html", context, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        response = super().login(request, extra_context)
        if response.status_code in (301, 302, 303):
            forgive_attempt(attempt)
        return response


site = BeaconAdminSite(name="admin")


class ServiceRejected(Exception):
    """A service refused a save made through a standard change form."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)
        self.error = error


class DeletedByService:
    """For a ModelAdmin (named first among its bases) whose objects a service deletes: the delete
    page and each object of a bulk delete go through `delete_by_service`, one at a time, where
    Django's bulk delete would pass the service (and its audit entry) by."""

    def delete_by_service(self, obj: Any, actor: Any) -> None:
        raise NotImplementedError

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_by_service(obj, request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_by_service(obj, request.user)


class ServiceModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose save_model/delete_model call services.

    A ValidationError from a service rolls the admin's transaction back; the change form is then
    shown again with the user's input and the service's message as form errors, instead of a 500.
    """

    service_field_map: dict[str, str] = {}

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRejected as rejected:
            # Everything in that attempt was rolled back; validate again, now with the error.
            request._beacon_rejected = rejected.error  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "_beacon_rejected", None)
        if error is None:
            return form_class
        field_map = self.service_field_map
        rejected: ValidationError = error

        class RejectedForm(form_class):  # type: ignore[valid-type,misc]
            def clean(self) -> Any:
                from statuspage.forms import add_service_error

                cleaned = super().clean()
                add_service_error(self, rejected, field_map)
                return cleaned

        return RejectedForm

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> Any:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRejected as rejected:
            from django.contrib import messages
            from django.shortcuts import redirect

            for message in rejected.error.messages:
                messages.error(request, message)
            return redirect(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist"
            )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Relations are written by the services together with the object.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


def in_page_time(value: Any, page: Any) -> str:
    """A time as the page's readers see it: "2026-01-15 10:00 CET"."""
    if value is None:
        return "—"
    return admin_time(value, page.tz)


def pretty_json(value: Any) -> str:
    """Stored JSON (such as API metadata) indented for reading; "" when empty."""
    if not value:
        return ""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
