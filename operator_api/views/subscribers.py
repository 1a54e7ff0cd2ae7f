"""Subscriber endpoints of the operator API, over subscribers.services.

Beacon has email, webhook and SMS subscribers (SMS once Twilio is configured); Statuspage's
"quarantined" state is Beacon's "suppressed" (a hard bounce, complaint, HTTP 410, or a number
Twilio refuses). An SMS subscriber created here is texted a verification code, unless
skip_confirmation_notification says the operator vouches for it: then it is active at once.
"""

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from components.models import Component
from incidents.models import Incident
from pages.models import Page
from subscribers import services as subscriber_services
from subscribers.models import CHAT_CHANNELS, Channel, Subscriber, SubscriberState
from subscribers.sms import services as sms_services
from subscribers.sms.numbers import display

from ..documents import timestamp
from ..fields import (
    envelope,
    invalid,
    page_components,
    read_bool,
    read_ids,
    read_int,
    read_str,
)
from ..http import ApiError, actor_of, api_view, one_or_404
from ..models import ApiKey

STATES = {
    "active": [SubscriberState.ACTIVE],
    "unconfirmed": [SubscriberState.UNCONFIRMED],
    "quarantined": [SubscriberState.SUPPRESSED],
    "all": [SubscriberState.ACTIVE, SubscriberState.UNCONFIRMED, SubscriberState.SUPPRESSED],
}
# Statuspage's types, and Beacon's other chat channels.
TYPES = [
    "email",
    "sms",
    "webhook",
    "slack",
    "teams",
    "integration_partner",
    "discord",
    "google_chat",
]
SORT_FIELDS = {
    "primary": ["email", "endpoint", "phone_number"],
    "created_at": ["created_at"],
    "quarantined_at": ["suppressed_at"],
    "relevance": ["created_at"],
}


MODES = {Channel.WEBHOOK: "webhook", Channel.SMS: "sms"} | {c: c.value for c in CHAT_CHANNELS}


def subscriber_json(subscriber: Subscriber, page_components: list[str], tz: ZoneInfo) -> dict:
    scoped = [c.pk for c in subscriber.components.all()]
    sms = subscriber.channel == Channel.SMS
    # A chat webhook URL lets whoever holds it post to the channel: only its host is shown.
    chat = subscriber.channel in CHAT_CHANNELS
    return {
        "id": subscriber.pk,
        "mode": MODES.get(Channel(subscriber.channel), "email"),
        "email": subscriber.email or None,
        "endpoint": (subscriber.endpoint or None) if not chat else None,
        # E.164; the country it was given with, and the number as people write it.
        "phone_number": subscriber.phone_number if sms else None,
        "phone_country": (subscriber.phone_country or None) if sms else None,
        "display_phone_number": display(subscriber.phone_number) if sms else None,
        "obfuscated_channel_name": subscriber.shown_address if chat else None,
        "workspace_name": None,
        "quarantined_at": timestamp(subscriber.suppressed_at, tz),
        "purge_at": None,
        # A subscriber to the whole page hears about every component.
        "components": page_components if subscriber.all_components else scoped,
        "page_access_user_id": None,
        "skip_confirmation_notification": False,
        "created_at": timestamp(subscriber.created_at, tz),
    }


def _page_components(page: Page) -> list[str]:
    return list(
        Component.objects.filter(page=page)
        .order_by("position", "name")
        .values_list("pk", flat=True)
    )


def _subscribers(page: Page) -> QuerySet[Subscriber]:
    # Incident subscribers are listed under their incident only.
    return Subscriber.objects.filter(page=page, incident__isnull=True).prefetch_related(
        "components"
    )


def _one(page: Page, subscriber_id: str) -> Subscriber:
    return one_or_404(_subscribers(page), subscriber_id, "subscriber")


def _components(
    page: Page, data: dict[str, Any], field: str = "component_ids"
) -> list[Component] | None:
    ids = read_ids(data, field)
    if ids is None:
        return None
    if not ids:
        raise invalid(field, "give at least one component, or leave it out for the whole page.")
    return page_components(page, ids, field)


def _choice(request: HttpRequest, name: str, choices: list[str], default: str) -> str:
    value = request.GET.get(name, "") or default
    if value not in choices:
        raise ApiError(400, f"{name} must be one of {', '.join(choices)}.")
    return value


@api_view("GET", "POST")
def subscribers(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    tz = page.tz
    if request.method == "POST":
        data = envelope(body, "subscriber")
        email = read_str(data, "email", 254)
        endpoint = read_str(data, "endpoint", 500)
        phone_number = read_str(data, "phone_number", 40)
        phone_country = read_str(data, "phone_country", 2)
        components = _components(page, data)
        skip = bool(read_bool(data, "skip_confirmation_notification"))
        if phone_country and not phone_number:
            raise invalid("phone_number", "give the number as well as phone_country.")
        if phone_number:
            subscriber = sms_services.subscribe_sms(
                page=page,
                phone_number=phone_number,
                phone_country=phone_country or "",
                components=components,
                skip_confirmation=skip,
                refuse_suppressed=True,
                actor=actor_of(api_key),
            )
        elif endpoint:
            subscriber = subscriber_services.add_webhook_subscriber(
                page=page,
                endpoint=endpoint,
                email=email or "",
                components=components,
                actor=actor_of(api_key),
            )
        elif email:
            subscriber = subscriber_services.add_email_subscriber(
                page=page,
                email=email,
                components=components,
                skip_confirmation=skip,
                actor=actor_of(api_key),
            )
        else:
            raise invalid("email", "give an email address, or an endpoint for a webhook.")
        return subscriber_json(_one(page, subscriber.pk), _page_components(page), tz)
    number = read_int(request, "page", 0, 0, 10**6)
    limit = read_int(request, "limit", 100, 1, 100)
    state = _choice(request, "state", list(STATES), "active")
    kind = request.GET.get("type", "")
    if kind and kind not in TYPES:
        raise ApiError(400, f"type must be one of {', '.join(TYPES)}.")
    sort_field = _choice(request, "sort_field", list(SORT_FIELDS), "primary")
    direction = _choice(request, "sort_direction", ["asc", "desc"], "asc")
    rows = _subscribers(page).filter(state__in=STATES[state])
    if kind:
        rows = rows.filter(channel=kind) if kind in Channel.values else rows.none()
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(
            Q(email__icontains=q) | Q(endpoint__icontains=q) | Q(phone_number__icontains=q)
        )
    order = [("-" if direction == "desc" else "") + f for f in SORT_FIELDS[sort_field]]
    rows = rows.order_by(*order, "pk")
    # 0-based, as Statuspage's subscriber list is: page 0 is the first.
    chosen = rows[number * limit : (number + 1) * limit]
    page_components = _page_components(page)
    return [subscriber_json(s, page_components, tz) for s in chosen]


@api_view("GET", "PATCH", "PUT", "DELETE")
def subscriber_detail(request: HttpRequest, api_key: ApiKey, body: dict, subscriber_id: str) -> Any:
    page = api_key.page
    subscriber = _one(page, subscriber_id)
    if request.method == "DELETE":
        read_bool(request.GET, "skip_unsubscription_notification")
        subscriber_services.unsubscribe(subscriber=subscriber, actor=actor_of(api_key))
        subscriber = _one(page, subscriber_id)
    elif request.method in ("PATCH", "PUT"):
        if "component_ids" not in body and isinstance(body.get("subscriber"), dict):
            body = body["subscriber"]
        components = _components(page, body)
        if components is not None:
            subscriber_services.change_components(
                subscriber=subscriber, components=components, actor=actor_of(api_key)
            )
            subscriber = _one(page, subscriber_id)
    return subscriber_json(subscriber, _page_components(page), page.tz)


# Incident subscribers (`/incidents/{id}/subscribers`): email only ------------------------------


def _incident(page: Page, incident_id: str) -> Incident:
    return one_or_404(Incident.objects.filter(page=page), incident_id, "incident")


def _incident_subscribers(incident: Incident) -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(incident=incident).prefetch_related("components")


def _incident_one(incident: Incident, subscriber_id: str) -> Subscriber:
    return one_or_404(_incident_subscribers(incident), subscriber_id, "subscriber")


def incident_subscriber_json(subscriber: Subscriber, tz: ZoneInfo) -> dict:
    # An incident subscriber hears about its incident, not about components.
    return {**subscriber_json(subscriber, [], tz), "components": []}


@api_view("GET", "POST")
def incident_subscribers(
    request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str
) -> Any:
    page = api_key.page
    incident = _incident(page, incident_id)
    if request.method == "POST":
        data = envelope(body, "subscriber")
        email = read_str(data, "email", 254)
        if read_str(data, "phone_number") or data.get("phone_country"):
            raise invalid(
                "phone_number",
                "incident subscribers are email only; subscribe SMS numbers to the page.",
            )
        if read_str(data, "endpoint", 500):
            raise invalid("endpoint", "incident subscribers are email only.")
        if not email:
            raise invalid("email", "give an email address.")
        skip = bool(read_bool(data, "skip_confirmation_notification"))
        subscriber = subscriber_services.add_incident_subscriber(
            incident=incident, email=email, skip_confirmation=skip, actor=actor_of(api_key)
        )
        return incident_subscriber_json(_incident_one(incident, subscriber.pk), page.tz)
    rows = _incident_subscribers(incident).filter(state__in=STATES["all"]).order_by("email", "pk")
    return [incident_subscriber_json(s, page.tz) for s in rows]


@api_view("GET", "DELETE")
def incident_subscriber_detail(
    request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str, subscriber_id: str
) -> Any:
    page = api_key.page
    incident = _incident(page, incident_id)
    subscriber = _incident_one(incident, subscriber_id)
    if request.method == "DELETE":
        read_bool(request.GET, "skip_unsubscription_notification")
        subscriber_services.unsubscribe(subscriber=subscriber, actor=actor_of(api_key))
        subscriber = _incident_one(incident, subscriber_id)
    return incident_subscriber_json(subscriber, page.tz)


@api_view("POST")
def incident_subscriber_resend(
    request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str, subscriber_id: str
) -> Any:
    page = api_key.page
    incident = _incident(page, incident_id)
    subscriber = _incident_one(incident, subscriber_id)
    if subscriber.state != SubscriberState.UNCONFIRMED:
        raise ApiError(422, "This subscriber is not awaiting confirmation.")
    subscriber_services.resend_confirmation(subscriber)
    return incident_subscriber_json(subscriber, page.tz)
