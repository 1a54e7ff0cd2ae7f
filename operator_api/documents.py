"""The v1 objects: Statuspage's management API shapes built from Beacon's rows.

Realtime incidents and scheduled maintenance are two models in Beacon and one `Incident`
object in v1; maintenance-only fields are null (or false) on incidents and the other way round.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from api.common import timestamp as public_timestamp
from api.documents import (
    PageComponents,
    full_incident_json,
    full_maintenance_json,
    page_components,
)
from api.documents import component_json as public_component_json
from api.documents import update_json as public_update_json
from components.models import Component, ComponentGroup
from incidents.models import Incident, IncidentStatus, IncidentUpdate, Postmortem
from maintenance.models import Maintenance, MaintenanceUpdate
from monitors.models import Metric
from pages.models import Page


def timestamp(value: datetime | None, tz: ZoneInfo) -> str | None:
    """As in the public API: three fractional digits and an explicit offset; None stays None."""
    return None if value is None else public_timestamp(value, tz)


def page_json(page: Page) -> dict[str, Any]:
    tz = page.tz
    return {
        "id": page.pk,
        "created_at": timestamp(page.created_at, tz),
        "updated_at": timestamp(page.updated_at, tz),
        "name": page.name,
        "page_description": None,
        "headline": None,
        "branding": "basic",
        "subdomain": None,
        "domain": page.domain or None,
        "url": page.url,
        "support_url": page.support_url or None,
        "hidden_from_search": False,
        "allow_page_subscribers": page.allow_page_subscribers,
        "allow_incident_subscribers": page.allow_incident_subscribers,
        "allow_email_subscribers": page.allow_email_subscribers,
        "allow_sms_subscribers": page.allow_sms_subscribers,
        "allow_rss_atom_feeds": page.allow_rss_atom_feeds,
        "allow_webhook_subscribers": page.allow_webhook_subscribers,
        # Beacon's chat channels.
        "allow_slack_subscribers": page.allow_slack_subscribers,
        "allow_teams_subscribers": page.allow_teams_subscribers,
        "allow_discord_subscribers": page.allow_discord_subscribers,
        "allow_google_chat_subscribers": page.allow_google_chat_subscribers,
        "notifications_from_email": None,
        "notifications_email_footer": None,
        "activity_score": 0,
        "twitter_username": None,
        "viewers_must_be_team_members": False,
        "ip_restrictions": None,
        "city": None,
        "state": None,
        "country": None,
        "time_zone": page.time_zone,
        "css_body_background_color": None,
        "css_font_color": None,
        "css_light_font_color": None,
        "css_greens": None,
        "css_yellows": None,
        "css_oranges": None,
        "css_blues": page.brand_colour,
        "css_reds": None,
        "css_border_color": None,
        "css_graph_color": None,
        "css_link_color": page.brand_colour,
        "css_no_data": None,
        "favicon_logo": None,
        "transactional_logo": None,
        "hero_cover": None,
        "email_logo": None,
        "twitter_logo": None,
    }


def component_json(component: Component, page: Page) -> dict[str, Any]:
    """The public API's component (same position rank) plus v1's `automation_email`."""
    return public_component_json(component, page) | {"automation_email": None}


def components_list(index: PageComponents) -> list[dict[str, Any]]:
    """Components and group containers in the public API's order."""
    return _with_automation_email(index.ordered)


def _with_automation_email(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item | {"automation_email": None} for item in items]


def group_json(group: ComponentGroup, children: list[Component], tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": group.pk,
        "page_id": group.page_id,
        "name": group.name,
        "description": group.description or None,
        "components": [c.pk for c in children],
        "position": group.position,
        "created_at": timestamp(group.created_at, tz),
        "updated_at": timestamp(group.updated_at, tz),
    }


def update_json(update: IncidentUpdate | MaintenanceUpdate, parent_id: str, tz: ZoneInfo) -> dict:
    """The public update plus v1's Twitter fields, with `affected_components` as stored."""
    return public_update_json(update, parent_id, tz) | {
        "affected_components": update.affected_components,
        "twitter_updated_at": None,
        "wants_twitter_update": False,
    }


def _updates(updates: list[Any], parent_id: str, tz: ZoneInfo) -> list[dict[str, Any]]:
    ordered = sorted(updates, key=lambda u: (u.display_at, u.created_at), reverse=True)
    return [update_json(u, parent_id, tz) for u in ordered]


def _postmortem(incident: Incident) -> Postmortem | None:
    try:
        return incident.postmortem
    except Postmortem.DoesNotExist:
        return None


# v1's Incident, realtime or scheduled alike, always lists its fields in this order.
FIELDS = (
    "id",
    "name",
    "status",
    "impact",
    "impact_override",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "started_at",
    "shortlink",
    "page_id",
    "backfilled",
    "incident_updates",
    "components",
    "metadata",
    "reminder_intervals",
    "scheduled_for",
    "scheduled_until",
    "scheduled_remind_prior",
    "scheduled_reminded_at",
    "scheduled_auto_in_progress",
    "scheduled_auto_completed",
    "auto_transition_to_maintenance_state",
    "auto_transition_to_operational_state",
    "auto_transition_deliver_notifications_at_start",
    "auto_transition_deliver_notifications_at_end",
    "postmortem_body",
    "postmortem_body_last_updated_at",
    "postmortem_ignored",
    "postmortem_notified_subscribers",
    "postmortem_notified_twitter",
    "postmortem_published_at",
)


def _v1_object(
    webhook_object: dict[str, Any], obj: Incident | Maintenance, tz: ZoneInfo, **fields: Any
) -> dict[str, Any]:
    """The object a webhook sends (`full_incident_json`) with v1's own fields, in v1's order."""
    merged = webhook_object | {
        "shortlink": f"{obj.page.url}/incidents/{obj.pk}",
        "incident_updates": _updates(list(obj.updates.all()), obj.pk, tz),
        "components": _with_automation_email(webhook_object["components"]),
        "metadata": obj.metadata,
        "postmortem_ignored": False,
        "postmortem_notified_subscribers": False,
        "postmortem_notified_twitter": False,
        **fields,
    }
    return {name: merged[name] for name in FIELDS}


def incident_json(incident: Incident, tz: ZoneInfo, index: PageComponents) -> dict[str, Any]:
    """Needs `page`, `updates`, `components` and `postmortem` loaded (or it queries for them);
    `tz` is the page's."""
    postmortem = _postmortem(incident)
    status = incident.status
    # v1's status enum has no `postmortem`: publication shows in postmortem_published_at.
    if status == IncidentStatus.POSTMORTEM:
        status = IncidentStatus.RESOLVED
    return _v1_object(
        full_incident_json(incident, incident.page, components=index),
        incident,
        tz,
        status=status,
        reminder_intervals=incident.reminder_intervals or None,
        auto_transition_to_maintenance_state=False,
        auto_transition_to_operational_state=False,
        auto_transition_deliver_notifications_at_start=False,
        auto_transition_deliver_notifications_at_end=False,
        postmortem_body_last_updated_at=timestamp(postmortem.updated_at, tz)
        if postmortem
        else None,
    )


def maintenance_json(m: Maintenance, tz: ZoneInfo, index: PageComponents) -> dict[str, Any]:
    return _v1_object(
        full_maintenance_json(m, m.page, components=index),
        m,
        tz,
        reminder_intervals=None,
        # Beacon restores the statuses from before the window, which is operational in the
        # usual case; the two flags are one setting here.
        auto_transition_to_maintenance_state=m.set_components_under_maintenance,
        auto_transition_to_operational_state=m.set_components_under_maintenance,
        auto_transition_deliver_notifications_at_start=True,
        auto_transition_deliver_notifications_at_end=True,
        postmortem_body_last_updated_at=None,
    )


def any_incident_json(
    obj: Incident | Maintenance, tz: ZoneInfo, index: PageComponents | None = None
) -> dict[str, Any]:
    """`index` is the page's components, read once per request when listing many."""
    index = index or page_components(obj.page)
    if isinstance(obj, Maintenance):
        return maintenance_json(obj, tz, index)
    return incident_json(obj, tz, index)


def postmortem_json(postmortem: Postmortem, tz: ZoneInfo) -> dict[str, Any]:
    published = postmortem.is_published
    return {
        "preview_key": postmortem.incident_id,
        "body": postmortem.body if published else None,
        "body_updated_at": timestamp(postmortem.updated_at, tz) if published else None,
        "body_draft": postmortem.body,
        "body_draft_updated_at": timestamp(postmortem.updated_at, tz),
        "published_at": timestamp(postmortem.published_at, tz),
        "notify_subscribers": False,
        "notify_twitter": False,
        "custom_tweet": None,
        "created_at": timestamp(postmortem.created_at, tz),
        "updated_at": timestamp(postmortem.updated_at, tz),
    }


def metric_json(metric: Metric, page: Page) -> dict[str, Any]:
    """Statuspage's Metric, without metrics providers (Beacon's metrics are pushed, or fed by
    a monitor: `monitor_id`)."""
    tz = page.tz
    return {
        "id": metric.pk,
        "metrics_provider_id": None,
        "metric_identifier": None,
        "name": metric.name,
        "display": metric.display,
        "tooltip_description": metric.tooltip_description or None,
        "backfilled": False,
        "y_axis_min": metric.y_axis_min,
        "y_axis_max": metric.y_axis_max,
        "y_axis_hidden": metric.y_axis_hidden,
        "suffix": metric.suffix,
        "decimal_places": metric.decimal_places,
        "most_recent_data_at": timestamp(metric.most_recent_data_at, tz),
        "created_at": timestamp(metric.created_at, tz),
        "updated_at": timestamp(metric.updated_at, tz),
        "last_fetched_at": None,
        "backfill_percentage": 0,
        "reference_name": None,
        # Beacon's own.
        "page_id": page.pk,
        "component_id": metric.component_id,
        "monitor_id": None if metric.monitor_id is None else str(metric.monitor_id),
        "position": metric.position,
    }


def point_json(timestamp_: datetime, value: float) -> dict[str, Any]:
    """A data point as Statuspage answers it: Unix seconds and the value."""
    seconds = timestamp_.timestamp()
    return {"timestamp": int(seconds) if seconds == int(seconds) else seconds, "value": value}
