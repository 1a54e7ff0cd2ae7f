"""Turning alerts into component statuses and, if asked, incidents.

Deliveries repeat (Alertmanager re-sends firing alerts every repeat_interval, and retries on
errors), so each step checks the stored state first: an alert already firing changes nothing,
and a resolve for an alert we never saw (or already resolved) is ignored.
"""

import string
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from components.models import Component, StatusCause
from components.services import set_component_statuses
from events.services import Actor, delete_audited, field_values, save_audited
from incidents import services as incident_services
from pages.models import Page
from statuspage.text import one_line, plain_text

from .models import AlertMapping, FiringAlert
from .payloads import Alert


@dataclass
class Outcome:
    fired: int = 0
    resolved: int = 0
    unchanged: int = 0
    unmatched: int = 0
    incidents: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "fired": self.fired,
            "resolved": self.resolved,
            "unchanged": self.unchanged,
            "unmatched": self.unmatched,
            "incidents": self.incidents,
        }


class _Labels(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def incident_name(mapping: AlertMapping, alert: Alert) -> str:
    try:
        name = string.Formatter().vformat(mapping.incident_name, (), _Labels(alert.labels))
    except (ValueError, IndexError, AttributeError, KeyError):
        name = mapping.incident_name
    # The labels are one line already; the mapping's own text may predate that check.
    return (one_line(name) or one_line(mapping.name))[:255]


def incident_body(alert: Alert, source: str) -> str:
    text = alert.annotations.get("summary") or alert.annotations.get("description") or ""
    text = plain_text(text).strip()[:5000]
    return text or one_line(f"{source} reports {alert.labels.get('alertname', 'an alert')}.")


@transaction.atomic
def receive_alerts(*, page: Page, source: str, alerts: list[Alert]) -> Outcome:
    outcome = Outcome()
    # Locking the page's mappings serialises concurrent deliveries for this page.
    mappings = list(
        AlertMapping.objects.select_for_update()
        .filter(page=page, enabled=True)
        .select_related("component")
        .order_by("pk")
    )
    for alert in alerts:
        matched = [m for m in mappings if m.matches(source, alert.labels)]
        if not matched:
            outcome.unmatched += 1
        for mapping in matched:
            if alert.firing:
                _fire(mapping, alert, source, outcome)
            else:
                _resolve(mapping, alert, source, outcome)
    return outcome


def _fire(mapping: AlertMapping, alert: Alert, source: str, outcome: Outcome) -> None:
    if FiringAlert.objects.active().filter(mapping=mapping, fingerprint=alert.fingerprint).exists():
        outcome.unchanged += 1
        return
    component = Component.objects.get(pk=mapping.component_id)
    state = FiringAlert(
        mapping=mapping,
        fingerprint=alert.fingerprint,
        labels=alert.labels,
        previous_status=_status_before(component),
    )
    statuses = {component: mapping.firing_status}
    if mapping.open_incident:
        ongoing = (
            FiringAlert.objects.active()
            .filter(mapping=mapping, incident__isnull=False)
            .select_related("incident")
            .first()
        )
        if ongoing and ongoing.incident and not ongoing.incident.is_resolved:
            state.incident = ongoing.incident
            set_component_statuses(
                page=mapping.page, statuses=statuses, actor=source, cause=StatusCause.AUTOMATION
            )
        else:
            state.incident = incident_services.open_incident(
                page=mapping.page,
                name=incident_name(mapping, alert),
                body=incident_body(alert, source),
                actor=source,
                component_statuses=statuses,
            )
            outcome.incidents.append(state.incident.pk)
    else:
        set_component_statuses(
            page=mapping.page, statuses=statuses, actor=source, cause=StatusCause.AUTOMATION
        )
    state.save()
    outcome.fired += 1


def _status_before(component: Component) -> str:
    """The status to come back to: if another alert already holds the component, its own."""
    holding = (
        FiringAlert.objects.active()
        .filter(mapping__component=component)
        .order_by("started_at")
        .first()
    )
    return holding.previous_status if holding else component.status


def _resolve(mapping: AlertMapping, alert: Alert, source: str, outcome: Outcome) -> None:
    state = (
        FiringAlert.objects.active()
        .filter(mapping=mapping, fingerprint=alert.fingerprint)
        .select_related("incident")
        .first()
    )
    if state is None:
        outcome.unchanged += 1
        return
    state.resolved_at = timezone.now()
    state.save(update_fields=["resolved_at"])
    outcome.resolved += 1
    component = Component.objects.get(pk=mapping.component_id)
    still_held = FiringAlert.objects.active().filter(mapping__component=component).exists()
    restore = mapping.resolved_status or state.previous_status
    # Leave the status alone if an operator has changed it since, or another alert holds it.
    statuses = (
        {} if still_held or component.status != mapping.firing_status else {component: restore}
    )
    incident = state.incident
    if (
        incident is not None
        and not incident.is_resolved
        and not FiringAlert.objects.active().filter(incident=incident).exists()
    ):
        incident_services.post_incident_update(
            incident=incident,
            status="resolved",
            body="The alert has resolved and the service has recovered.",
            actor=source,
            component_statuses=statuses,
        )
        return
    if statuses:
        set_component_statuses(
            page=mapping.page, statuses=statuses, actor=source, cause=StatusCause.AUTOMATION
        )


# The mappings themselves ----------------------------------------------------------------------

MAPPING_FIELDS = (
    "page",
    "name",
    "source",
    "matchers",
    "component",
    "firing_status",
    "resolved_status",
    "open_incident",
    "incident_name",
    "enabled",
)


def _mapping_snapshot(mapping: AlertMapping) -> dict[str, Any]:
    return field_values(mapping, MAPPING_FIELDS)


@transaction.atomic
def save_alert_mapping(*, mapping: AlertMapping, actor: Actor) -> bool:
    """Create a mapping, or store the changes already set on it. False when nothing changed.

    A mapping changes nothing public until an alert arrives, so no outbox row."""
    return save_audited(mapping, actor=actor, snapshot=_mapping_snapshot)


@transaction.atomic
def delete_alert_mapping(*, mapping: AlertMapping, actor: Actor) -> None:
    """Delete a mapping; the alerts it holds go with it, leaving statuses as they are."""
    delete_audited(mapping, actor=actor, snapshot=_mapping_snapshot)
