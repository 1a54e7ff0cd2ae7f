"""What happens on the example page, written through the services as operators would."""

from datetime import datetime, timedelta
from typing import Any

from components.models import Component, ComponentStatus
from incidents import services as incident_services
from incidents.models import Incident
from maintenance import services as maintenance_services
from maintenance.models import Maintenance
from pages.models import Page


def open_api_incident(page: Page, api: Component, **fields: Any) -> Incident:
    """Elevated API errors, the API in partial outage; `fields` change or add to that."""
    defaults: dict[str, Any] = {
        "page": page,
        "name": "Elevated API errors",
        "body": "We are investigating **errors** on the API.",
        "component_statuses": {api: ComponentStatus.PARTIAL_OUTAGE},
        "actor": "tests",
    }
    return incident_services.open_incident(**defaults | fields)


def schedule_upgrade(
    page: Page, start: datetime, *, hours: float = 2, **fields: Any
) -> Maintenance:
    """A database upgrade from `start`, `hours` long; `fields` change or add to that."""
    defaults: dict[str, Any] = {
        "page": page,
        "name": "Database upgrade",
        "scheduled_for": start,
        "scheduled_until": start + timedelta(hours=hours),
        "body": "We are upgrading the database.",
        "actor": "tests",
    }
    return maintenance_services.schedule_maintenance(**defaults | fields)
