"""What a notification says: rendered once per event, then given each recipient's links.

The event's text does not depend on the recipient, so the templates render once per event and
each message only swaps in its own manage and unsubscribe links (placeholders below). Times are
shown in the page's zone.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from components.models import Component, ComponentStatus, worst_status
from events.models import EventKind, OutboxEvent
from pages.models import Page
from public.status import overall_status

from .models import Subscriber

MANAGE = "__BEACON_MANAGE_URL__"
UNSUBSCRIBE = "__BEACON_UNSUBSCRIBE_URL__"

STATUS_LABELS = dict(ComponentStatus.choices)

MAINTENANCE_HEADINGS = {
    EventKind.MAINTENANCE_SCHEDULED: "Scheduled maintenance",
    EventKind.MAINTENANCE_RESCHEDULED: "Maintenance rescheduled",
    EventKind.MAINTENANCE_REMINDER: "Maintenance reminder",
    EventKind.MAINTENANCE_STARTED: "Maintenance in progress",
    EventKind.MAINTENANCE_UPDATED: "Maintenance update",
    EventKind.MAINTENANCE_COMPLETED: "Maintenance completed",
    EventKind.MAINTENANCE_CANCELLED: "Maintenance cancelled",
}


@dataclass
class EventMessage:
    subject: str
    text: str
    html: str
    # Webhook body without the per-endpoint `meta`.
    payload: dict[str, Any]


def page_link(page: Page, path: str) -> str:
    return f"{page.url.rstrip('/')}{path}"


def manage_url(subscriber: Subscriber) -> str:
    from .services import manage_token

    return page_link(
        subscriber.page, reverse("subscribers:manage", args=[manage_token(subscriber)])
    )


def unsubscribe_url(subscriber: Subscriber) -> str:
    from .services import manage_token

    return page_link(
        subscriber.page, reverse("subscribers:unsubscribe", args=[manage_token(subscriber)])
    )


def local_time(dt: datetime | None, page: Page) -> str:
    if dt is None:
        return ""
    return dt.astimezone(page.tz).strftime("%d %b %Y, %H:%M %Z")


def _utc(dt: datetime | None) -> str | None:
    from datetime import UTC

    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def page_status(page: Page) -> dict[str, str]:
    from incidents.models import Incident

    statuses = list(Component.objects.for_page(page).values_list("status", flat=True))
    incidents = list(Incident.objects.for_page(page).unresolved().filter(backfilled=False))
    status = overall_status(statuses, [i.effective_impact for i in incidents])
    return {
        "id": page.pk,
        "status_indicator": status.indicator,
        "status_description": status.description,
    }


def _update_json(update: Any, parent_key: str, parent_id: str) -> dict[str, Any]:
    return {
        "id": update.pk,
        "status": update.status,
        parent_key: parent_id,
        "body": update.body,
        "created_at": _utc(update.created_at),
        "updated_at": _utc(update.updated_at),
        "display_at": _utc(update.display_at),
        "affected_components": update.affected_components,
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": None,
        "tweet_id": None,
    }


def _incident_json(incident: Any, page: Page) -> dict[str, Any]:
    postmortem = getattr(incident, "postmortem", None) if hasattr(incident, "postmortem") else None
    return {
        "id": incident.pk,
        "name": incident.name,
        "status": incident.status,
        "impact": incident.effective_impact,
        "impact_override": incident.impact_override or None,
        "backfilled": incident.backfilled,
        "created_at": _utc(incident.created_at),
        "updated_at": _utc(incident.updated_at),
        "started_at": _utc(incident.started_at),
        "monitoring_at": _utc(incident.monitoring_at),
        "resolved_at": _utc(incident.resolved_at),
        "shortlink": page_link(page, incident.get_absolute_url()),
        "page_id": page.pk,
        "scheduled_for": None,
        "scheduled_until": None,
        "scheduled_remind_prior": False,
        "scheduled_reminded_at": None,
        "scheduled_auto_in_progress": False,
        "scheduled_auto_completed": False,
        "postmortem_body": postmortem.body if postmortem and postmortem.is_published else None,
        "postmortem_published_at": _utc(postmortem.published_at) if postmortem else None,
        "components": [_component_json(c) for c in incident.components.all()],
        "incident_updates": [
            _update_json(u, "incident_id", incident.pk) for u in incident.updates.all()
        ],
    }


def _maintenance_json(m: Any, page: Page) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "status": m.status,
        "impact": "maintenance",
        "impact_override": None,
        "backfilled": False,
        "created_at": _utc(m.created_at),
        "updated_at": _utc(m.updated_at),
        "started_at": _utc(m.started_at or m.scheduled_for),
        "monitoring_at": _utc(m.monitoring_at),
        "resolved_at": _utc(m.resolved_at),
        "shortlink": page_link(page, m.get_absolute_url()),
        "page_id": page.pk,
        "scheduled_for": _utc(m.scheduled_for),
        "scheduled_until": _utc(m.scheduled_until),
        "scheduled_remind_prior": m.remind_minutes_before is not None,
        "scheduled_reminded_at": _utc(m.reminded_at),
        "scheduled_auto_in_progress": m.auto_start,
        "scheduled_auto_completed": m.auto_complete,
        "postmortem_body": None,
        "postmortem_published_at": None,
        "components": [_component_json(c) for c in m.components.all()],
        "incident_updates": [_update_json(u, "incident_id", m.pk) for u in m.updates.all()],
    }


def _component_json(c: Component) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "status": c.status,
        "created_at": _utc(c.created_at),
        "updated_at": _utc(c.updated_at),
        "group_id": c.group_id,
    }


def _component_rows(update: Any, components: list[Component]) -> list[dict[str, str]]:
    if update is not None and update.affected_components:
        return [
            {"name": e.get("name", ""), "status": STATUS_LABELS.get(e.get("new_status"), "")}
            for e in update.affected_components
        ]
    return [{"name": c.name, "status": STATUS_LABELS.get(c.status, c.status)} for c in components]


def _incident_heading(event: OutboxEvent, incident: Any, update: Any) -> str:
    if event.kind == EventKind.POSTMORTEM_PUBLISHED:
        return "Postmortem"
    if update is None:
        return incident.get_status_display()
    if update.status != "resolved" and update.affected_components:
        worst = worst_status([e["new_status"] for e in update.affected_components])
        if worst not in (ComponentStatus.OPERATIONAL, ComponentStatus.UNDER_MAINTENANCE):
            return STATUS_LABELS[worst]
    return update.get_status_display()


def build(event: OutboxEvent) -> EventMessage | None:
    """The message for an event, or None when its subject no longer exists."""
    found = event_context(event)
    if found is None:
        return None
    subject, context, payload = found
    return EventMessage(
        subject=subject,
        text=render_to_string("emails/notification.txt", context),
        html=render_to_string("emails/notification.html", context),
        payload=payload,
    )


def event_context(event: OutboxEvent) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """Subject, template context (links as placeholders) and webhook payload of an event."""
    from incidents.models import Incident
    from maintenance.models import Maintenance
    from statuspage.markdown import render_markdown

    page = event.page
    update_id = event.payload.get("update_id")
    update: Any
    context: dict[str, Any] = {"page": page, "manage_url": MANAGE, "unsubscribe_url": UNSUBSCRIBE}
    if event.subject_type == "incident":
        incident = Incident.objects.filter(pk=event.subject_id).first()
        if incident is None:
            return None
        update = incident.updates.filter(pk=update_id).first() if update_id else None
        components = list(incident.components.all())
        heading = _incident_heading(event, incident, update)
        name = incident.name
        url = page_link(page, incident.get_absolute_url())
        if event.kind == EventKind.POSTMORTEM_PUBLISHED and hasattr(incident, "postmortem"):
            body = incident.postmortem.body
            when = incident.postmortem.published_at
        else:
            body = update.body if update else ""
            when = update.display_at if update else incident.started_at
        payload = {"page": page_status(page), "incident": _incident_json(incident, page)}
        window = ""
    elif event.subject_type == "maintenance":
        m = Maintenance.objects.filter(pk=event.subject_id).first()
        if m is None:
            return None
        update = m.updates.filter(pk=update_id).first() if update_id else m.updates.first()
        components = list(m.components.all())
        heading = MAINTENANCE_HEADINGS.get(EventKind(event.kind), "Maintenance")
        name = m.name
        url = page_link(page, m.get_absolute_url())
        body = update.body if update else ""
        when = update.display_at if update else m.scheduled_for
        payload = {"page": page_status(page), "incident": _maintenance_json(m, page)}
        window = f"{local_time(m.scheduled_for, page)} to {local_time(m.scheduled_until, page)}"
    else:
        return None
    context |= {
        "heading": heading,
        "name": name,
        "url": url,
        "body": body,
        "body_html": render_markdown(body),
        "when": local_time(when, page),
        "window": window,
        "components": _component_rows(update, components),
    }
    return f"[{page.name}] {heading}: {name}", context, payload


def personalise(text: str, subscriber: Subscriber) -> str:
    return text.replace(MANAGE, manage_url(subscriber)).replace(
        UNSUBSCRIBE, unsubscribe_url(subscriber)
    )


def webhook_body(message: EventMessage, subscriber: Subscriber) -> dict[str, Any]:
    return {
        "meta": {
            "unsubscribe": unsubscribe_url(subscriber),
            "documentation": page_link(subscriber.page, reverse("subscribers:webhook_docs")),
        },
        **message.payload,
    }


def unsubscribe_mailto() -> str:
    return settings.DEFAULT_FROM_EMAIL
