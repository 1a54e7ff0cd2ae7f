"""Beacon's admin site: its name, the "View status page" link and login throttling.

Failed logins are counted in the cache (Redis in production), per client address and per
username, in a fixed window of settings.LOGIN_ATTEMPTS_WINDOW seconds. Once either count
reaches settings.LOGIN_ATTEMPTS_LIMIT, further attempts are refused with HTTP 429 before the
password is checked. When the cache is unreachable the login works unthrottled: locking every
operator out during an outage would be worse than a slower brute force.
"""

import hashlib
import json
import logging
import math
import time
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's address; behind a trusted proxy, the one the proxy appended last."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def throttle_keys(address: str, username: str) -> list[str]:
    """Cache key prefixes for an address and, when given, a username."""
    keys = ["ip:" + address]
    if username:
        keys.append("user:" + username.strip().lower())
    # Hashed so that any typed text makes a valid, bounded cache key.
    return ["beacon:login:" + hashlib.sha256(k.encode()).hexdigest()[:32] for k in keys]


def seconds_until_allowed(request: HttpRequest, username: str) -> int:
    """0 when a login attempt may go ahead, else how long until the window closes."""
    keys = throttle_keys(client_address(request), username)
    try:
        values = cache.get_many([k + ":count" for k in keys] + [k + ":since" for k in keys])
    except Exception:
        logger.warning("login throttle: cache unavailable, not throttling", exc_info=True)
        return 0
    wait = 0
    now = time.time()
    for key in keys:
        count = values.get(key + ":count") or 0
        if count >= settings.LOGIN_ATTEMPTS_LIMIT:
            since = values.get(key + ":since") or now
            wait = max(wait, math.ceil(since + settings.LOGIN_ATTEMPTS_WINDOW - now), 1)
    return wait


def record_failed_login(request: HttpRequest, username: str) -> None:
    window = settings.LOGIN_ATTEMPTS_WINDOW
    try:
        for key in throttle_keys(client_address(request), username):
            # add() only sets a missing key, so the window starts at the first failure.
            cache.add(key + ":since", time.time(), window)
            cache.add(key + ":count", 0, window)
            try:
                cache.incr(key + ":count")
            except ValueError:  # expired between add() and incr()
                cache.set(key + ":count", 1, window)
    except Exception:
        logger.warning("login throttle: cache unavailable, failure not counted", exc_info=True)


def clear_failed_logins(request: HttpRequest, username: str) -> None:
    """After a successful login only the username's count is cleared, not the address's."""
    if not username:
        return
    key = throttle_keys(client_address(request), username)[1]
    try:
        cache.delete_many([key + ":count", key + ":since"])
    except Exception:
        logger.warning("login throttle: cache unavailable", exc_info=True)


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
        if request.method != "POST":
            return super().login(request, extra_context)
        username = request.POST.get("username", "")[:150]
        wait = seconds_until_allowed(request, username)
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
            clear_failed_logins(request, username)
        else:
            record_failed_login(request, username)
        return response


site = BeaconAdminSite(name="admin")


class ServiceRejected(Exception):
    """A service refused a save made through a standard change form."""

    def __init__(self, error: Any) -> None:
        super().__init__(error)
        self.error = error


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
    return value.astimezone(page.tz).strftime("%Y-%m-%d %H:%M %Z")


def pretty_json(value: Any) -> str:
    """Stored JSON (such as API metadata) indented for reading; "" when empty."""
    if not value:
        return ""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
