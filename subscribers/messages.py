"""What a notification says: rendered once per event, then given each recipient's links.

The event's text does not depend on the recipient, so the templates render once per event and
each message only swaps in its own manage and unsubscribe links (placeholders below). Times are
shown in the page's zone.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from api.documents import (
    component_json,
    full_incident_json,
    full_maintenance_json,
    status_document,
    timestamp,
)
from components.models import Component, ComponentStatus, worst_status
from events.models import EventKind, OutboxEvent
from pages.models import Page
from statuspage.mail import render_subject
from statuspage.timefmt import mail_time

from .models import Subscriber
from .tokens import manage_token

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
    # What the email templates were given (links as placeholders), for the chat and SMS
    # messages; empty for events only webhooks hear about (component updates).
    context: dict[str, Any] = field(default_factory=dict)


def page_link(page: Page, path: str) -> str:
    return f"{page.url.rstrip('/')}{path}"


def manage_url(subscriber: Subscriber) -> str:
    return page_link(
        subscriber.page, reverse("subscribers:manage", args=[manage_token(subscriber)])
    )


def unsubscribe_url(subscriber: Subscriber) -> str:
    return page_link(
        subscriber.page, reverse("subscribers:unsubscribe", args=[manage_token(subscriber)])
    )


def local_time(dt: datetime | None, page: Page) -> str:
    if dt is None:
        return ""
    return mail_time(dt, page.tz)


def page_status(page: Page) -> dict[str, str]:
    status = status_document(page, timezone.now())["status"]
    return {
        "id": page.pk,
        "status_indicator": status["indicator"],
        "status_description": status["description"],
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


def _incident_tone(incident: Any, update: Any) -> str:
    if incident.is_resolved or (update is not None and update.status == "resolved"):
        return "resolved"
    return str(incident.effective_impact)


def build(event: OutboxEvent) -> EventMessage | None:
    """The message for an event, or None when its subject no longer exists."""
    found = event_context(event)
    if found is None:
        return None
    subject, context, payload = found
    if not context:  # webhooks only
        return EventMessage(subject=subject, text="", html="", payload=payload)
    return EventMessage(
        subject=subject,
        text=render_to_string("emails/notification.txt", context),
        html=render_to_string("emails/notification.html", context),
        payload=payload,
        context=context,
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
    duration = ""
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
        payload = {"page": page_status(page), "incident": full_incident_json(incident, page)}
        window = ""
        tone = _incident_tone(incident, update)
        if event.kind == EventKind.INCIDENT_RESOLVED and incident.is_resolved:
            from public.rendering import incident_duration

            duration = incident_duration(incident, timezone.now())
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
        payload = {"page": page_status(page), "incident": full_maintenance_json(m, page)}
        window = f"{local_time(m.scheduled_for, page)} to {local_time(m.scheduled_until, page)}"
        tone = "resolved" if event.kind == EventKind.MAINTENANCE_COMPLETED else "maintenance"
    elif event.subject_type == "component":
        return _component_update(event)
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
        "duration": duration,
        "components": _component_rows(update, components),
        # What the message is about, for a colour: "resolved", "maintenance", or the impact
        # ("none", "minor", "major", "critical") of an open incident.
        "tone": tone,
    }
    return render_subject("emails/notification_subject.txt", context), context, payload


def _component_update(
    event: OutboxEvent,
) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """Statuspage's `component_update` webhook, for the first component the event changed;
    `component_updates` (a Beacon addition) lists every change of a bulk edit."""
    page = event.page
    transitions = event.payload.get("transitions") or []
    if not transitions:
        return None
    components = {
        c.pk: c for c in Component.objects.filter(pk__in=[t["code"] for t in transitions])
    }
    first = components.get(transitions[0]["code"])
    if first is None:
        return None
    updates = [
        {
            "id": f"{event.pk}-{n}",
            "component_id": t["code"],
            "created_at": timestamp(event.created_at, page.tz),
            "old_status": t["old_status"],
            "new_status": t["new_status"],
        }
        for n, t in enumerate(transitions)
    ]
    payload = {
        "page": page_status(page),
        "component_update": updates[0],
        "component": component_json(first, page),
        "component_updates": updates,
    }
    status = STATUS_LABELS.get(first.status, first.status)
    subject = render_subject(
        "emails/component_subject.txt", {"page": page, "component": first, "status": status}
    )
    return subject, {}, payload


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
