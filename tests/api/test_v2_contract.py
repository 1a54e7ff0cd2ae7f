"""The public API v2 documents, checked field by field against statuspage-api-v2.md."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from api.common import timestamp
from components import services as component_services
from incidents import services as incident_services
from incidents.models import Incident
from maintenance.models import Maintenance

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

DOCUMENTS = {
    "/api/v2/summary.json": {
        "page",
        "components",
        "incidents",
        "scheduled_maintenances",
        "status",
    },
    "/api/v2/status.json": {"page", "status"},
    "/api/v2/components.json": {"page", "components"},
    "/api/v2/incidents.json": {"page", "incidents"},
    "/api/v2/incidents/unresolved.json": {"page", "incidents"},
    "/api/v2/scheduled-maintenances.json": {"page", "scheduled_maintenances"},
    "/api/v2/scheduled-maintenances/upcoming.json": {"page", "scheduled_maintenances"},
    "/api/v2/scheduled-maintenances/active.json": {"page", "scheduled_maintenances"},
}

COMPONENT_STATUSES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
IMPACTS = {"none", "minor", "major", "critical", "maintenance"}
INDICATORS = {"none", "minor", "major", "critical", "maintenance"}
DESCRIPTIONS = {
    "All Systems Operational",
    "Partially Degraded Service",
    "Degraded System Service",
    "Minor Service Outage",
    "Partial System Outage",
    "Major System Outage",
    "Service Under Maintenance",
}

PAGE_FIELDS = {"id": str, "name": str, "url": str, "time_zone": str, "updated_at": "ts"}
COMPONENT_FIELDS = {
    "id": str,
    "name": str,
    "status": COMPONENT_STATUSES,
    "created_at": "ts",
    "updated_at": "ts",
    "position": int,
    "description": (str, None),
    "showcase": bool,
    "start_date": ("date", None),
    "group_id": (str, None),
    "page_id": str,
    "group": bool,
    "only_show_if_degraded": bool,
}
INCIDENT_FIELDS = {
    "id": str,
    "name": str,
    "status": INCIDENT_STATUSES,
    "impact": IMPACTS,
    "created_at": "ts",
    "updated_at": "ts",
    "monitoring_at": ("ts", None),
    "resolved_at": ("ts", None),
    "shortlink": str,
    "started_at": "ts",
    "page_id": str,
    "incident_updates": list,
    "components": list,
}
MAINTENANCE_FIELDS = INCIDENT_FIELDS | {
    "status": MAINTENANCE_STATUSES,
    "scheduled_for": "ts",
    "scheduled_until": "ts",
}
UPDATE_FIELDS = {
    "id": str,
    "status": INCIDENT_STATUSES | MAINTENANCE_STATUSES,
    "body": str,
    "incident_id": str,
    "created_at": "ts",
    "updated_at": "ts",
    "display_at": "ts",
    "affected_components": (list, None),
    "deliver_notifications": bool,
    "custom_tweet": (str, None),
    "tweet_id": (str, None),
}
AFFECTED_FIELDS = {
    "code": str,
    "name": str,
    "old_status": COMPONENT_STATUSES,
    "new_status": COMPONENT_STATUSES,
}


def matches(value, kind) -> bool:
    if isinstance(kind, tuple):
        return any(matches(value, k) for k in kind)
    if kind is None:
        return value is None
    if kind == "ts":
        return isinstance(value, str) and bool(TIMESTAMP.match(value))
    if kind == "date":
        return isinstance(value, str) and bool(DATE.match(value))
    if isinstance(kind, set):
        return value in kind
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def check(obj: dict, fields: dict, what: str) -> None:
    assert set(obj) == set(fields), f"{what}: {sorted(set(obj) ^ set(fields))}"
    for key, kind in fields.items():
        assert matches(obj[key], kind), f"{what}.{key} = {obj[key]!r}"


def check_component(component: dict) -> None:
    if component["group"]:
        check(component, COMPONENT_FIELDS | {"components": list}, "group")
        assert component["group_id"] is None
        assert component["showcase"] is False
        assert component["start_date"] is None
        assert all(isinstance(child, str) for child in component["components"])
    else:
        check(component, COMPONENT_FIELDS, "component")
    assert component["position"] >= 1


def check_incident(incident: dict, fields: dict) -> None:
    check(incident, fields, "incident")
    for update in incident["incident_updates"]:
        check(update, UPDATE_FIELDS, "update")
        assert update["incident_id"] == incident["id"]
        for entry in update["affected_components"] or []:
            check(entry, AFFECTED_FIELDS, "affected component")
    for component in incident["components"]:
        check_component(component)
        assert component["group"] is False


@pytest.mark.parametrize("path", DOCUMENTS)
def test_every_document_has_exactly_its_keys_and_fields_of_the_documented_types(
    world, fetch_json, path
):
    document = fetch_json(path)

    assert set(document) == DOCUMENTS[path]
    check(document["page"], PAGE_FIELDS, "page")
    if "status" in document:
        check(document["status"], {"indicator": INDICATORS, "description": DESCRIPTIONS}, "status")
    for component in document.get("components", []):
        check_component(component)
    for incident in document.get("incidents", []):
        check_incident(incident, INCIDENT_FIELDS)
    for maintenance in document.get("scheduled_maintenances", []):
        check_incident(maintenance, MAINTENANCE_FIELDS)


def test_an_empty_page_still_has_every_list_as_an_empty_array(page, fetch_json):
    summary = fetch_json("/api/v2/summary.json")

    assert summary["components"] == []
    assert summary["incidents"] == []
    assert summary["scheduled_maintenances"] == []
    assert summary["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert fetch_json("/api/v2/incidents.json")["incidents"] == []
    assert fetch_json("/api/v2/scheduled-maintenances.json")["scheduled_maintenances"] == []


def test_the_page_object_names_the_page_and_its_zone(world, page, fetch_json):
    assert fetch_json("/api/v2/status.json")["page"] | {"updated_at": None} == {
        "id": page.pk,
        "name": "Example Status",
        "url": "https://status.example.com",
        "time_zone": "Europe/Paris",
        "updated_at": None,
    }


def test_groups_are_flattened_with_their_children_ids_and_worst_status(world, fetch_json):
    components = {c["id"]: c for c in fetch_json("/api/v2/components.json")["components"]}

    core = components[world.core.pk]
    assert core["group"] is True
    assert core["components"] == [world.api.pk, world.dashboard.pk]
    assert core["status"] == "partial_outage"  # API's, the worst of the two
    assert components[world.api.pk]["group_id"] == world.core.pk
    assert components[world.empty_group.pk]["components"] == []
    assert components[world.empty_group.pk]["status"] == "operational"
    for component in components.values():
        assert ("components" in component) == component["group"]


def test_components_are_ordered_by_their_position_within_their_parent(world, fetch_json):
    components = fetch_json("/api/v2/components.json")["components"]

    order = [(c["position"], c["name"]) for c in components]
    assert order == [
        (1, "Core Services"),
        (1, "API"),
        (2, "Website"),
        (2, "Dashboard"),
        (3, "Search"),
        (4, "Legacy"),
    ]
    top = [c["position"] for c in components if c["group_id"] is None]
    assert sorted(top) == list(range(1, len(top) + 1))


def test_components_hidden_while_operational_are_still_listed_with_their_flag(world, fetch_json):
    components = {c["name"]: c for c in fetch_json("/api/v2/components.json")["components"]}

    assert components["Search"]["only_show_if_degraded"] is True
    assert components["Search"]["description"] == "Full-text search"
    assert components["Website"]["description"] is None


def test_the_summary_shows_open_incidents_and_maintenance_and_the_rollup(world, fetch_json):
    summary = fetch_json("/api/v2/summary.json")

    assert [i["id"] for i in summary["incidents"]] == [world.outage.pk]
    assert [m["id"] for m in summary["scheduled_maintenances"]] == [
        world.active.pk,
        world.upcoming.pk,
    ]
    # API in partial outage, others fine; the incident's impact is major.
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert fetch_json("/api/v2/status.json")["status"] == summary["status"]
    assert fetch_json("/api/v2/components.json")["components"] == summary["components"]


def test_an_incident_lists_its_updates_newest_first_and_its_components_current_status(
    world, fetch_json
):
    (incident,) = fetch_json("/api/v2/incidents/unresolved.json")["incidents"]

    assert incident["name"] == "Elevated API error rates"
    assert incident["status"] == "identified"
    assert incident["impact"] == "major"
    assert [u["status"] for u in incident["incident_updates"]] == ["identified", "investigating"]
    assert incident["incident_updates"][0]["affected_components"] == [
        {
            "code": world.api.pk,
            "name": "API",
            "old_status": "degraded_performance",
            "new_status": "partial_outage",
        }
    ]
    assert [c["id"] for c in incident["components"]] == [world.api.pk]
    assert incident["components"][0]["status"] == "partial_outage"
    assert incident["shortlink"] == f"https://status.example.com/incidents/{world.outage.pk}"
    assert incident["resolved_at"] is None
    assert "scheduled_for" not in incident


def test_incidents_are_newest_first_and_include_every_status(world, fetch_json):
    incidents = fetch_json("/api/v2/incidents.json")["incidents"]

    assert [i["id"] for i in incidents] == [
        world.outage.pk,
        world.postmortem.pk,
        world.resolved.pk,
    ]
    statuses = {i["id"]: i["status"] for i in incidents}
    assert statuses[world.postmortem.pk] == "postmortem"
    assert statuses[world.resolved.pk] == "resolved"
    resolved = next(i for i in incidents if i["id"] == world.resolved.pk)
    assert resolved["resolved_at"] is not None
    assert [u["status"] for u in resolved["incident_updates"]] == [
        "resolved",
        "identified",
        "investigating",
        "investigating",
    ]
    # The update that touched no component says null, not [].
    assert resolved["incident_updates"][2]["affected_components"] is None
    assert resolved["incident_updates"][3]["body"] == (
        "Outgoing email is delayed.\r\nWe are investigating."
    )


def test_postmortem_incidents_count_as_closed(world, fetch_json):
    unresolved = fetch_json("/api/v2/incidents/unresolved.json")["incidents"]

    assert world.postmortem.pk not in {i["id"] for i in unresolved}
    assert world.resolved.pk not in {i["id"] for i in unresolved}


def test_incidents_and_maintenance_never_share_a_list(world, fetch_json):
    incidents = {i["id"] for i in fetch_json("/api/v2/incidents.json")["incidents"]}
    maintenances = {
        m["id"] for m in fetch_json("/api/v2/scheduled-maintenances.json")["scheduled_maintenances"]
    }

    assert incidents == {world.outage.pk, world.resolved.pk, world.postmortem.pk}
    assert maintenances == {
        world.upcoming.pk,
        world.active.pk,
        world.completed.pk,
        world.cancelled.pk,
    }


def test_maintenance_lists_split_upcoming_from_active(world, fetch_json):
    upcoming = fetch_json("/api/v2/scheduled-maintenances/upcoming.json")
    active = fetch_json("/api/v2/scheduled-maintenances/active.json")

    assert [m["id"] for m in upcoming["scheduled_maintenances"]] == [world.upcoming.pk]
    assert [m["id"] for m in active["scheduled_maintenances"]] == [world.active.pk]
    (maintenance,) = upcoming["scheduled_maintenances"]
    assert maintenance["impact"] == "maintenance"
    assert maintenance["status"] == "scheduled"
    assert [c["name"] for c in maintenance["components"]] == ["Dashboard"]
    assert maintenance["incident_updates"][0]["affected_components"] == [
        {
            "code": world.dashboard.pk,
            "name": "Dashboard",
            "old_status": "operational",
            "new_status": "operational",
        }
    ]
    assert maintenance["scheduled_for"] < maintenance["scheduled_until"]


def test_all_maintenance_is_listed_newest_window_first(world, fetch_json):
    maintenances = fetch_json("/api/v2/scheduled-maintenances.json")["scheduled_maintenances"]

    assert [m["name"] for m in maintenances] == [
        "Storage migration",
        "Database upgrade",
        "Search reindex",
        "Network switch replacement",
    ]
    cancelled = maintenances[0]
    assert cancelled["status"] == "completed"
    assert cancelled["resolved_at"] is not None


def test_the_full_lists_stop_at_the_50_newest(page, fetch_json):
    now = timezone.now()
    incidents = Incident.objects.bulk_create(
        Incident(page=page, name=f"Incident {n}", status="resolved", started_at=now)
        for n in range(60)
    )
    for n, incident in enumerate(incidents):
        Incident.objects.filter(pk=incident.pk).update(created_at=now - timedelta(minutes=n))
    Maintenance.objects.bulk_create(
        Maintenance(
            page=page,
            name=f"Maintenance {n}",
            status="completed",
            scheduled_for=now - timedelta(days=n + 1),
            scheduled_until=now - timedelta(days=n + 1) + timedelta(hours=1),
        )
        for n in range(60)
    )

    incidents_doc = fetch_json("/api/v2/incidents.json")["incidents"]
    maintenances_doc = fetch_json("/api/v2/scheduled-maintenances.json")["scheduled_maintenances"]

    assert [i["name"] for i in incidents_doc] == [f"Incident {n}" for n in range(50)]
    assert [m["name"] for m in maintenances_doc] == [f"Maintenance {n}" for n in range(50)]


def test_timestamps_keep_three_digits_and_the_page_offset():
    whole_second = datetime(2026, 9, 1, 10, 42, 17, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 12, 0, 0, 731999, tzinfo=UTC)

    assert timestamp(whole_second, ZoneInfo("UTC")) == "2026-09-01T10:42:17.000Z"
    assert timestamp(whole_second, ZoneInfo("Etc/UTC")) == "2026-09-01T10:42:17.000Z"
    assert timestamp(summer, ZoneInfo("Europe/Paris")) == "2026-07-01T14:00:00.731+02:00"
    assert timestamp(summer, ZoneInfo("America/Los_Angeles")) == "2026-07-01T05:00:00.731-07:00"
    assert timestamp(summer, ZoneInfo("Asia/Kolkata")) == "2026-07-01T17:30:00.731+05:30"
    assert timestamp(whole_second, ZoneInfo("Europe/London")) == "2026-09-01T11:42:17.000+01:00"


def test_a_utc_page_writes_its_times_with_z(page, alice, api, fetch_json):
    page.time_zone = "UTC"
    page.save()

    document = fetch_json("/api/v2/components.json")

    assert document["page"]["updated_at"].endswith("Z")
    assert all(c["created_at"].endswith("Z") for c in document["components"])


def test_page_updated_at_follows_the_latest_change_even_a_deletion(world, alice, fetch_json):
    before = fetch_json("/api/v2/status.json")["page"]["updated_at"]

    component_services.set_component_status(
        component=world.website, status="major_outage", actor=alice
    )
    after_change = fetch_json("/api/v2/status.json")["page"]["updated_at"]
    incident_services.delete_incident(incident=world.resolved, actor=alice)
    after_delete = fetch_json("/api/v2/status.json")["page"]["updated_at"]

    assert before < after_change < after_delete
    summary = fetch_json("/api/v2/summary.json")
    website = next(c for c in summary["components"] if c["name"] == "Website")
    assert website["updated_at"] <= after_change


def test_a_whole_page_outage_is_critical(page, alice, api, fetch_json):
    component_services.set_component_status(component=api, status="major_outage", actor=alice)

    assert fetch_json("/api/v2/status.json")["status"] == {
        "indicator": "critical",
        "description": "Major System Outage",
    }
