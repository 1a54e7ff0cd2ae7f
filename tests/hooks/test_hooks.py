"""Alertmanager and Grafana deliver recorded payloads to a live server; components follow."""

import json
from pathlib import Path

import pytest

from components.models import ComponentStatus, StatusCause
from components.services import set_component_status
from events.models import AuditEntry
from hooks.models import AlertMapping, AlertSource, FiringAlert
from incidents.models import Incident, IncidentStatus
from operator_api.services import create_api_key
from tests.support.api_client import Http
from tests.support.scenes import map_api_down

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


@pytest.fixture
def key(page) -> str:
    return create_api_key(page=page, name="Alertmanager", actor="tests")[1]


@pytest.fixture
def hooks(live_server) -> Http:
    return Http(live_server.url, None)


@pytest.fixture
def api_down(page, api) -> AlertMapping:
    return map_api_down(page, api, {"alertname": "APIDown", "service": "api"})


def test_a_firing_alert_sets_the_mapped_component_and_resolving_restores_it(
    hooks, key, api, api_down
):
    set_component_status(component=api, status="degraded_performance", actor="tests")
    fired = hooks.post(f"/hooks/alertmanager/{key}", raw=payload("alertmanager_firing"))
    assert fired.status == 200, fired.raw
    assert fired.json["fired"] == 1
    assert fired.json["unmatched"] == 1  # the disk alert maps to nothing
    api.refresh_from_db()
    assert api.status == "major_outage"
    assert AuditEntry.objects.filter(actor_label="alertmanager", action="set_status").exists()
    assert api.status_changes.last().cause == StatusCause.AUTOMATION

    resolved = hooks.post(f"/hooks/alertmanager/{key}", raw=payload("alertmanager_resolved"))
    assert resolved.json["resolved"] == 1
    api.refresh_from_db()
    assert api.status == "degraded_performance"  # the status from before the alert


def test_the_same_firing_alert_delivered_twice_changes_nothing(hooks, key, api, api_down):
    hooks.post(f"/hooks/alertmanager/{key}", raw=payload("alertmanager_firing"))
    changes = api.status_changes.count()
    again = hooks.post(f"/hooks/alertmanager/{key}", raw=payload("alertmanager_firing"))
    assert again.status == 200
    assert again.json["fired"] == 0
    assert again.json["unchanged"] == 1
    assert api.status_changes.count() == changes
    assert FiringAlert.objects.active().count() == 1
    hooks.post(f"/hooks/alertmanager/{key}", raw=payload("alertmanager_resolved"))
    twice = hooks.post(f"/hooks/alertmanager/{key}", raw=payload("alertmanager_resolved"))
    assert twice.json["resolved"] == 0
    api.refresh_from_db()
    assert api.status == "operational"


def test_an_opted_in_mapping_opens_an_incident_and_resolves_it_with_the_alert(
    hooks, key, page, dashboard
):
    AlertMapping.objects.create(
        page=page,
        name="Dashboard errors",
        source=AlertSource.GRAFANA,
        matchers={"service": "dashboard"},
        component=dashboard,
        firing_status=ComponentStatus.PARTIAL_OUTAGE,
        resolved_status=ComponentStatus.OPERATIONAL,
        open_incident=True,
        incident_name="{alertname} on the dashboard",
    )
    fired = hooks.post(
        "/hooks/grafana",
        raw=payload("grafana_firing"),
        key=None,
    )
    assert fired.status == 401
    hooks.key = key
    fired = hooks.post("/hooks/grafana", raw=payload("grafana_firing"))
    assert fired.status == 200, fired.raw
    incident = Incident.objects.get()
    assert incident.name == "High error rate on the dashboard"
    assert incident.status == IncidentStatus.INVESTIGATING
    assert incident.updates.get().body == "Dashboard 5xx rate above 5% for 10 minutes"
    dashboard.refresh_from_db()
    assert dashboard.status == "partial_outage"
    assert fired.json["incidents"] == [incident.pk]

    hooks.post("/hooks/grafana", raw=payload("grafana_firing"))
    assert Incident.objects.count() == 1

    resolved = hooks.post("/hooks/grafana", raw=payload("grafana_resolved"))
    assert resolved.json["resolved"] == 1
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    dashboard.refresh_from_db()
    assert dashboard.status == "operational"


def test_legacy_grafana_alerts_are_understood(hooks, key, page, website):
    AlertMapping.objects.create(
        page=page,
        name="Website",
        matchers={"service": "website"},
        component=website,
        firing_status=ComponentStatus.MAJOR_OUTAGE,
    )
    reply = hooks.post(f"/hooks/grafana/{key}", raw=payload("grafana_legacy_alerting"))
    assert reply.json["fired"] == 1
    website.refresh_from_db()
    assert website.status == "major_outage"
    ok = json.loads(payload("grafana_legacy_alerting"))
    ok["state"] = "ok"
    hooks.post(f"/hooks/grafana/{key}", raw=json.dumps(ok).encode())
    website.refresh_from_db()
    assert website.status == "operational"


def test_a_mapping_for_alertmanager_ignores_grafana(hooks, key, api, api_down):
    body = json.loads(payload("alertmanager_firing"))
    reply = hooks.post(f"/hooks/grafana/{key}", raw=json.dumps(body).encode())
    assert reply.json["fired"] == 0
    api.refresh_from_db()
    assert api.status == "operational"


def test_an_operators_manual_change_is_not_overwritten_on_resolve(hooks, key, api, api_down):
    hooks.post(f"/hooks/alertmanager/{key}", raw=payload("alertmanager_firing"))
    set_component_status(component=api, status="partial_outage", actor="alice")
    hooks.post(f"/hooks/alertmanager/{key}", raw=payload("alertmanager_resolved"))
    api.refresh_from_db()
    assert api.status == "partial_outage"


def test_a_bad_token_is_refused_and_nothing_changes(hooks, api, api_down):
    reply = hooks.post("/hooks/alertmanager/bk_nothing_atall", raw=payload("alertmanager_firing"))
    assert reply.status == 401
    assert reply.json["message"] == "Could not authenticate"
    api.refresh_from_db()
    assert api.status == "operational"


def test_a_key_of_another_page_moves_only_that_pages_components(hooks, api, api_down, other_page):
    other_key = create_api_key(page=other_page, name="Theirs", actor="tests")[1]
    reply = hooks.post(f"/hooks/alertmanager/{other_key}", raw=payload("alertmanager_firing"))
    assert reply.json["unmatched"] == 2
    api.refresh_from_db()
    assert api.status == "operational"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "Not valid JSON: Expecting value"),
        (b"[]", "The payload must be a JSON object."),
        (b'{"alerts": "APIDown"}', "“alerts” must be a list."),
        (
            b'{"alerts": [{"status": "exploding", "labels": {}}]}',
            "An alert's status must be firing or resolved, not 'exploding'.",
        ),
        (
            b'{"alerts": [{"status": "firing", "labels": ["a"]}]}',
            "labels must be an object of strings.",
        ),
        (
            b'{"receiver": "beacon"}',
            "This is not an Alertmanager or Grafana alert payload: no “alerts” list.",
        ),
        ('{"alerts": []}'.encode("utf-16"), "Not valid JSON: 'utf-8' codec can't decode"),
    ],
)
def test_a_malformed_payload_is_a_bad_request_that_says_why_and_moves_nothing(
    hooks, key, api, api_down, body, message
):
    reply = hooks.post(f"/hooks/alertmanager/{key}", raw=body)
    assert reply.status == 400
    assert reply.json["message"].startswith(message), reply.json
    api.refresh_from_db()
    assert api.status == "operational"
    assert not FiringAlert.objects.exists()
    assert not Incident.objects.exists()


def test_hooks_take_only_post(hooks, key):
    assert hooks.get(f"/hooks/alertmanager/{key}").status == 405
