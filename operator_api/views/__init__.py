"""Statuspage's management API v1 (the subset in docs/operator-api.md), over Beacon's services.

One module per resource. Every view is wrapped by `api_view` (`..http`): key authentication,
the page check, body parsing, the transaction and the error format live there. A view reads
its fields with `..fields`, calls one service use case and answers with `..documents`; the
rules (default texts, reopening, backfill dates, renumbering) are the services'.
"""

from .components import component_detail, component_group_detail, component_groups, components
from .description import not_found, openapi
from .incidents import (
    incident_detail,
    incident_update_detail,
    incidents,
    incidents_active_maintenance,
    incidents_scheduled,
    incidents_unresolved,
    incidents_upcoming,
)
from .metrics import metric_data, metric_detail, metrics, metrics_data
from .pages import page_detail, pages
from .postmortems import postmortem, postmortem_publish, postmortem_revert
from .subscribers import (
    incident_subscriber_detail,
    incident_subscriber_resend,
    incident_subscribers,
    subscriber_detail,
    subscribers,
)

__all__ = [
    "component_detail",
    "component_group_detail",
    "component_groups",
    "components",
    "incident_detail",
    "incident_subscriber_detail",
    "incident_subscriber_resend",
    "incident_subscribers",
    "incident_update_detail",
    "incidents",
    "incidents_active_maintenance",
    "incidents_scheduled",
    "incidents_unresolved",
    "incidents_upcoming",
    "metric_data",
    "metric_detail",
    "metrics",
    "metrics_data",
    "not_found",
    "openapi",
    "page_detail",
    "pages",
    "postmortem",
    "postmortem_publish",
    "postmortem_revert",
    "subscriber_detail",
    "subscribers",
]
