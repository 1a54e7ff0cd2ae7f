"""Subscribing, confirming, managing and unsubscribing.

These pages live apart from the cached public pages and are never cached themselves. They take
no CSRF token, so the public pages set no cookie: the subscribe form asks for nothing a forger
could abuse (it only sends a confirmation link to the address given), and every other action is
authorised by the signed token in its URL.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from pages import viewers
from pages.lookup import page_for
from pages.models import Page
from statuspage.admin_site import client_address
from statuspage.throttle import over_limit

from . import services
from .channels import TRANSPORTS
from .chat_signup import add_chat_subscriber
from .forms import ChatForm, ComponentChoiceForm, SubscribeForm, WebhookForm
from .models import CHAT_CHANNELS, Channel, Subscriber, SubscriberState
from .tokens import CONFIRM_MAX_AGE, CONFIRM_SALT, MANAGE_SALT, manage_token, subscriber_for_token
from .validation import CHAT_HOSTS

IP_WINDOW = 3600


def _page(request: HttpRequest) -> Page:
    return page_for(request)


def public_form(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A form of these pages: shown by GET, sent by POST, never cached, with no CSRF token (see
    above)."""
    return csrf_exempt(never_cache(require_http_methods(["GET", "HEAD", "POST"])(view)))


def for_viewers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A private page's sign-up is for its signed-in viewers (or, with allowed networks, for
    requests from them); a network-limited page's for requests from its networks."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        why, email = viewers.request_verdict(request.META, _page(request))
        if why is not None:
            status, headers, body = viewers.refusal(why, request.get_full_path(), machine=False)
            response = HttpResponse(body, status=status)
            for name, value in headers:
                response[name] = value
            return response
        request._beacon_viewer = email  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def refused_email(request: HttpRequest, page: Page, email: str | None) -> str | None:
    """Why a private page refuses to send its news to `email`, else None: only the signed-in
    viewer's own address or another address the page allows."""
    if not page.is_private or not email:
        return None
    viewer = getattr(request, "_beacon_viewer", None)
    if email.strip().lower() == viewer or viewers.email_allowed(page, email):
        return None
    return f"{page.name} is private: subscribe with your own address or another one it allows."


def over_ip_limit(request: HttpRequest) -> bool:
    """Count this request against its address; fails open when the cache is down."""
    return over_limit(
        f"subscribe:ip:{client_address(request)}",
        limit=settings.SUBSCRIBE_LIMIT_PER_IP,
        window=IP_WINDOW,
        what="subscribe limit",
    )


def _not_offered(request: HttpRequest, page: Page, channel: Channel) -> HttpResponse:
    """Sign-up the page has switched off: a 404 that says so and points to what is offered."""
    if not page.allow_page_subscribers:
        message = f"{page.name} does not offer subscriptions."
    elif channel == Channel.EMAIL:
        message = f"{page.name} does not offer email subscriptions."
    elif channel == Channel.WEBHOOK:
        message = f"{page.name} does not offer webhook subscriptions."
    else:
        message = f"{page.name} does not offer {Channel(channel).label} subscriptions."
    context = {"page": page, "message": message, "channel": channel}
    return render(request, "subscribers/not_offered.html", context, status=404)


def _too_many(
    request: HttpRequest,
    page: Page,
    form: Any,
    template: str = "subscribers/subscribe.html",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    response = render(
        request,
        template,
        {
            **(context or {}),
            "page": page,
            "form": form,
            "error": "Too many requests from your address. Try again in an hour.",
        },
        status=429,
    )
    response["Retry-After"] = str(IP_WINDOW)
    return response


@dataclass(frozen=True)
class SignUp:
    """A sign-up form of the public page: one per channel a visitor can subscribe with."""

    channel: Channel
    form: type[SubscribeForm] | type[WebhookForm] | type[ChatForm]
    template: str
    # The answer once it is done (and to a bot that filled the honeypot).
    done: str
    offered: Callable[[Page], bool]
    save: Callable[[Page, dict[str, Any]], object]
    # More for the templates (a chat channel's name and where its webhook URLs come from).
    context: dict[str, Any] = field(default_factory=dict)


EMAIL_SIGNUP = SignUp(
    channel=Channel.EMAIL,
    form=SubscribeForm,
    template="subscribers/subscribe.html",
    done="subscribers/check_inbox.html",
    offered=lambda page: page.offers_email_signup,
    save=lambda page, data: services.subscribe_email(
        page=page, email=data["email"], components=data["components"], actor="subscriber"
    ),
)

WEBHOOK_SIGNUP = SignUp(
    channel=Channel.WEBHOOK,
    form=WebhookForm,
    template="subscribers/subscribe_webhook.html",
    done="subscribers/webhook_added.html",
    offered=lambda page: page.offers_webhook_signup,
    save=lambda page, data: services.add_webhook_subscriber(
        page=page,
        endpoint=data["endpoint"],
        email=data["email"],
        components=data["components"],
        actor="subscriber",
    ),
)


# The public sign-up path of each chat channel: /subscribe/<path>.
CHAT_PATHS = {
    Channel.SLACK: "slack",
    Channel.TEAMS: "teams",
    Channel.DISCORD: "discord",
    Channel.GOOGLE_CHAT: "google-chat",
}


def offers_chat_signup(page: Page, channel: str) -> bool:
    """Switched on for the page, and a transport to carry it (a channel is wired in
    subscribers/channels.py)."""
    return page.offers_signup(channel) and channel in TRANSPORTS


def _chat_signup(channel: Channel) -> SignUp:
    return SignUp(
        channel=channel,
        form=ChatForm,
        template="subscribers/subscribe_chat.html",
        done="subscribers/chat_added.html",
        offered=lambda page: offers_chat_signup(page, channel),
        save=lambda page, data: add_chat_subscriber(
            page=page,
            channel=channel,
            endpoint=data["endpoint"],
            email=data["email"],
            components=data["components"],
            actor="subscriber",
        ),
        context={
            "channel": channel,
            "channel_label": channel.label,
            "url_name": f"subscribers:subscribe_{channel.value}",
            "host": CHAT_HOSTS[channel],
        },
    )


CHAT_SIGNUPS = {channel: _chat_signup(channel) for channel in CHAT_CHANNELS}


def _sign_up(request: HttpRequest, how: SignUp) -> HttpResponse:
    page = _page(request)
    if not how.offered(page):
        return _not_offered(request, page, how.channel)
    context = {"page": page, **how.context}
    if request.method != "POST":
        return render(request, how.template, {**context, "form": how.form(page=page)})
    form = how.form(request.POST, page=page)
    if over_ip_limit(request):
        return _too_many(request, page, form, how.template, context)
    if not form.is_valid():
        return render(request, how.template, {**context, "form": form}, status=400)
    if form.cleaned_data["website"]:
        # A bot filled the honeypot: answer as if it worked, do nothing.
        return render(request, how.done, context)
    refused = refused_email(request, page, form.cleaned_data.get("email"))
    if refused is not None:
        form.add_error("email", refused)
        return render(request, how.template, {**context, "form": form}, status=400)
    try:
        how.save(page, form.cleaned_data)
    except ValidationError as exc:
        _add_errors(form, exc)
        return render(request, how.template, {**context, "form": form}, status=400)
    # The same answer whether the address was new, pending or already subscribed.
    return render(request, how.done, context)


@public_form
@for_viewers
def subscribe(request: HttpRequest) -> HttpResponse:
    return _sign_up(request, EMAIL_SIGNUP)


@public_form
@for_viewers
def subscribe_webhook(request: HttpRequest) -> HttpResponse:
    return _sign_up(request, WEBHOOK_SIGNUP)


@public_form
@for_viewers
def subscribe_chat(request: HttpRequest, channel: str) -> HttpResponse:
    return _sign_up(request, CHAT_SIGNUPS[Channel(channel)])


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _invalid_link(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    context = {"page": _page(request), "message": " ".join(exc.messages)}
    return render(request, "subscribers/invalid_link.html", context, status=400)


@never_cache
@require_safe
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = subscriber_for_token(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except ValidationError as exc:
        return _invalid_link(request, exc)
    if subscriber.state == SubscriberState.UNCONFIRMED:
        subscriber = services.confirm_subscriber(subscriber=subscriber, actor="subscriber")
    return render(
        request,
        "subscribers/confirmed.html",
        {"page": subscriber.page, "subscriber": subscriber, "manage_token": token_for(subscriber)},
    )


def token_for(subscriber: Subscriber) -> str:
    return manage_token(subscriber)


@public_form
def manage(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = subscriber_for_token(token, salt=MANAGE_SALT)
    except ValidationError as exc:
        return _invalid_link(request, exc)
    page = subscriber.page
    saved = False
    if request.method == "POST":
        form = ComponentChoiceForm(request.POST, page=page)
        if form.is_valid() and subscriber.state == SubscriberState.ACTIVE:
            services.change_components(
                subscriber=subscriber,
                components=form.cleaned_data["components"],
                actor="subscriber",
            )
            saved = True
        status = 200 if form.is_valid() else 400
    else:
        initial = [] if subscriber.all_components else list(subscriber.components.all())
        form = ComponentChoiceForm(page=page, initial={"components": initial})
        status = 200
    return render(
        request,
        "subscribers/manage.html",
        {
            "page": page,
            "subscriber": subscriber,
            "form": form,
            "token": token,
            "saved": saved,
            "is_email": subscriber.channel == Channel.EMAIL,
        },
        status=status,
    )


@public_form
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (mail scanners follow links); POST unsubscribes, including
    RFC 8058 one-click posts (`List-Unsubscribe=One-Click`). Idempotent."""
    try:
        subscriber = subscriber_for_token(token, salt=MANAGE_SALT)
    except ValidationError as exc:
        return _invalid_link(request, exc)
    done = False
    if request.method == "POST":
        subscriber = services.unsubscribe(subscriber=subscriber, actor="subscriber")
        done = True
    return render(
        request,
        "subscribers/unsubscribe.html",
        {"page": subscriber.page, "subscriber": subscriber, "token": token, "done": done},
    )


@require_safe
@for_viewers
def webhook_docs(request: HttpRequest) -> HttpResponse:
    return render(request, "subscribers/webhook_docs.html", {"page": _page(request)})
