"""An operator's tooling drives a whole incident and a maintenance over real HTTP."""

from datetime import timedelta

from django.utils import timezone

from components.models import Component, ComponentStatusChange
from events.models import AuditEntry
from incidents.models import Incident, IncidentStatus
from maintenance.models import Maintenance, MaintenanceStatus
from maintenance.services import run_scheduled_maintenance
from operator_api.documents import timestamp

TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$"


def test_a_script_creates_a_component_and_it_is_listed_in_position_order(operator, base, core, api):
    created = operator.post(
        f"{base}/components", {"component": {"name": "Search", "description": "Full-text"}}
    )
    assert created.status == 201
    assert created.json["name"] == "Search"
    assert created.json["status"] == "operational"
    assert created.json["group"] is False
    listed = operator.get(f"{base}/components.json")
    assert listed.status == 200
    assert isinstance(listed.json, list)
    by_id = {c["id"]: c for c in listed.json}
    assert by_id[created.json["id"]]["description"] == "Full-text"
    assert by_id[core.pk]["group"] is True
    assert by_id[core.pk]["components"] == [api.pk]
    assert "components" not in by_id[api.pk]
    assert [c["position"] for c in listed.json] == sorted(c["position"] for c in listed.json)


def test_an_incident_is_opened_updated_resolved_and_given_a_postmortem(operator, base, page, api):
    opened = operator.post(
        f"{base}/incidents",
        {
            "incident": {
                "name": "Elevated API error rates",
                "status": "investigating",
                "body": "We are investigating.",
                "components": {api.pk: "partial_outage"},
                "component_ids": [api.pk],
                "wants_twitter_update": False,
            }
        },
    )
    assert opened.status == 201, opened.raw
    incident = opened.json
    assert incident["impact"] == "major"
    assert incident["incident_updates"][0]["affected_components"] == [
        {"code": api.pk, "name": "API", "old_status": "operational", "new_status": "partial_outage"}
    ]
    assert [c["id"] for c in incident["components"]] == [api.pk]
    assert incident["scheduled_for"] is None
    for field in ("created_at", "updated_at", "started_at"):
        assert incident[field].endswith("+01:00") or incident[field].endswith("+02:00")
    api.refresh_from_db()
    assert api.status == "partial_outage"
    path = f"{base}/incidents/{incident['id']}"

    identified = operator.patch(
        path, {"incident": {"status": "identified", "body": "A bad deploy; rolling back."}}
    )
    assert identified.status == 200
    assert identified.json["status"] == "identified"
    assert identified.json["incident_updates"][0]["body"] == "A bad deploy; rolling back."
    assert identified.json["incident_updates"][0]["affected_components"] is None
    assert len(identified.json["incident_updates"]) == 2

    resolved = operator.patch(
        path,
        {
            "incident": {
                "status": "resolved",
                "body": "Fixed.",
                "components": {api.pk: "operational"},
            }
        },
    )
    assert resolved.json["status"] == "resolved"
    assert resolved.json["resolved_at"] is not None
    api.refresh_from_db()
    assert api.status == "operational"
    assert operator.get(f"{base}/incidents/unresolved").json == []

    update_id = resolved.json["incident_updates"][0]["id"]
    edited = operator.patch(
        f"{path}/incident_updates/{update_id}",
        {"incident_update": {"body": "Fixed by rolling back the 10:02 deploy."}},
    )
    assert edited.status == 200
    assert edited.json["body"] == "Fixed by rolling back the 10:02 deploy."

    draft = operator.put(f"{path}/postmortem", {"postmortem": {"body_draft": "## What happened"}})
    assert draft.status == 200
    assert draft.json["body_draft"] == "## What happened"
    assert draft.json["published_at"] is None
    published = operator.put(f"{path}/postmortem/publish", {"postmortem": {}})
    assert published.status == 200
    assert published.json["body"] == "## What happened"
    assert Incident.objects.get(pk=incident["id"]).status == IncidentStatus.POSTMORTEM
    shown = operator.get(path).json
    assert shown["status"] == "resolved"
    assert shown["postmortem_body"] == "## What happened"
    assert shown["postmortem_published_at"] is not None
    reverted = operator.put(f"{path}/postmortem/revert")
    assert reverted.json["published_at"] is None
    assert operator.delete(f"{path}/postmortem").status == 204
    assert operator.get(f"{path}/postmortem").status == 404
    assert AuditEntry.objects.filter(actor_label="API key “CI”").exists()


def test_a_form_encoded_incident_is_read_with_rails_brackets(operator, base, api, dashboard):
    form = (
        "incident[name]=Elevated+API+error+rates&incident[status]=identified"
        "&incident[body]=We+are+on+it.&incident[deliver_notifications]=false"
        f"&incident[components][{api.pk}]=degraded_performance"
        f"&incident[component_ids][]={api.pk}&incident[component_ids][]={dashboard.pk}"
    )
    reply = operator.post(
        f"{base}/incidents.json",
        raw=form.encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert reply.status == 201, reply.raw
    assert reply.json["status"] == "identified"
    assert reply.json["incident_updates"][0]["deliver_notifications"] is False
    assert {c["id"] for c in reply.json["components"]} == {api.pk, dashboard.pk}
    assert Component.objects.get(pk=api.pk).status == "degraded_performance"


def test_json_without_a_content_type_is_read_as_json(operator, base):
    reply = operator.post(
        f"{base}/components/",
        raw=b'{"component": {"name": "Billing", "status": "major_outage"}}',
        content_type=None,
    )
    assert reply.status == 201
    assert reply.json["status"] == "major_outage"


def test_maintenance_is_scheduled_and_runs_its_automatic_transitions(operator, base, page, api):
    start = timezone.now() + timedelta(hours=2)
    end = start + timedelta(hours=2)
    reply = operator.post(
        f"{base}/incidents.json",
        {
            "incident": {
                "name": "Database upgrade",
                "status": "scheduled",
                "scheduled_for": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "scheduled_until": end.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "body": "We will upgrade the primary database.",
                "scheduled_remind_prior": True,
                "scheduled_auto_in_progress": True,
                "scheduled_auto_completed": True,
                "auto_transition_to_maintenance_state": True,
                "auto_transition_to_operational_state": True,
                "component_ids": [api.pk],
            }
        },
    )
    assert reply.status == 201, reply.raw
    document = reply.json
    assert document["status"] == "scheduled"
    assert document["impact"] == "maintenance"
    assert document["scheduled_remind_prior"] is True
    assert document["scheduled_auto_in_progress"] is True
    # Sent in UTC, read back in the page's zone (Europe/Paris) with milliseconds.
    assert document["scheduled_for"] == timestamp(start.replace(microsecond=0), page.tz)
    assert document["scheduled_for"].endswith(("+01:00", "+02:00"))
    maintenance = Maintenance.objects.get(pk=document["id"])
    assert maintenance.remind_minutes_before == 60
    assert maintenance.auto_start and maintenance.auto_complete
    assert maintenance.set_components_under_maintenance
    assert [m["id"] for m in operator.get(f"{base}/incidents/upcoming").json] == [document["id"]]

    run_scheduled_maintenance(now=start + timedelta(minutes=1))
    active = operator.get(f"{base}/incidents/active_maintenance").json
    assert [m["id"] for m in active] == [document["id"]]
    assert active[0]["status"] == "in_progress"
    assert active[0]["incident_updates"][0]["affected_components"][0]["new_status"] == (
        "under_maintenance"
    )
    api.refresh_from_db()
    assert api.status == "under_maintenance"

    run_scheduled_maintenance(now=end + timedelta(minutes=1))
    done = operator.get(f"{base}/incidents/{document['id']}").json
    assert done["status"] == MaintenanceStatus.COMPLETED
    assert done["incident_updates"][0]["body"] == "The scheduled maintenance has been completed."
    api.refresh_from_db()
    assert api.status == "operational"
    assert ComponentStatusChange.objects.filter(component=api).count() == 2
    listed = operator.get(f"{base}/incidents/scheduled").json
    assert [m["id"] for m in listed] == [document["id"]]


def test_every_timestamp_has_three_fractional_digits_and_an_offset(operator, base, api):
    operator.post(f"{base}/incidents", {"incident": {"name": "Slow", "body": "Slow pages."}})
    import re

    for incident in operator.get(f"{base}/incidents").json:
        for field in ("created_at", "updated_at", "started_at"):
            assert re.match(TIMESTAMP, incident[field])
        for update in incident["incident_updates"]:
            assert re.match(TIMESTAMP, update["display_at"])


def test_component_groups_take_their_description_at_the_top_level(operator, base, api, website):
    created = operator.post(
        f"{base}/component-groups",
        {"description": "Edge", "component_group": {"name": "Edge", "components": [website.pk]}},
    )
    assert created.status == 201, created.raw
    group = created.json
    assert group["description"] == "Edge"
    assert group["components"] == [website.pk]
    website.refresh_from_db()
    assert website.group_id == group["id"]

    moved = operator.patch(
        f"{base}/component-groups/{group['id']}",
        {"component_group": {"components": [api.pk]}},
    )
    assert moved.json["components"] == [api.pk]
    website.refresh_from_db()
    assert website.group_id is None
    deleted = operator.delete(f"{base}/component-groups/{group['id']}")
    assert deleted.status == 200
    assert deleted.json["name"] == "Edge"
    api.refresh_from_db()
    assert api.group_id is None


def test_components_are_updated_and_deleted(operator, base, api):
    path = f"{base}/components/{api.pk}"
    changed = operator.put(path, {"component": {"status": "major_outage", "name": "Public API"}})
    assert changed.status == 200
    assert changed.json["status"] == "major_outage"
    assert changed.json["name"] == "Public API"
    assert operator.delete(path).status == 204
    assert operator.get(path).status == 404


def test_the_page_is_read_and_renamed(operator, base, page):
    assert [p["id"] for p in operator.get("/v1/pages").json] == [page.pk]
    renamed = operator.patch(base, {"page": {"name": "Example Co", "twitter_username": "x"}})
    assert renamed.status == 200
    assert renamed.json["name"] == "Example Co"
    assert renamed.json["time_zone"] == "Europe/Paris"


def test_incidents_are_searched_and_paginated_newest_first(operator, base):
    for n in range(3):
        operator.post(f"{base}/incidents", {"incident": {"name": f"Outage {n}", "body": "Down."}})
    first = operator.get(f"{base}/incidents?limit=2&page=1").json
    second = operator.get(f"{base}/incidents?limit=2&page=2").json
    assert [i["name"] for i in first] == ["Outage 2", "Outage 1"]
    assert [i["name"] for i in second] == ["Outage 0"]
    assert operator.get(f"{base}/incidents?limit=2&page=9").json == []
    assert [i["name"] for i in operator.get(f"{base}/incidents?q=outage+1").json] == ["Outage 1"]
