"""Alert labels and annotations come from outside and become incident names and bodies: line
breaks, controls and lone surrogates in them are neutralised, never refused, so the alert still
moves its component and opens its incident, and nothing of it can break an email header."""

import json

import pytest
from django.core.exceptions import ValidationError

from components.models import ComponentStatus
from hooks.models import AlertMapping, FiringAlert
from incidents.models import Incident
from operator_api.services import create_api_key
from tests.support.api_client import Http
from tests.support.scenes import map_api_down


@pytest.fixture
def hooks(live_server, page) -> Http:
    return Http(live_server.url, create_api_key(page=page, name="Alertmanager", actor="t")[1])


@pytest.fixture
def api_down(page, api) -> AlertMapping:
    return map_api_down(
        page,
        api,
        {"alertname": "APIDown"},
        open_incident=True,
        incident_name="{alertname} on {instance}",
    )


def alert(instance: str, summary: str) -> bytes:
    body = {
        "version": "4",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "APIDown", "instance": "PLACEHOLDER_INSTANCE"},
                "annotations": {"summary": "PLACEHOLDER_SUMMARY"},
                "fingerprint": "c3f2b8a1d4e5f607",
            }
        ],
    }
    # The values are spliced in as JSON text, so the escapes (\u0000, \ud800) reach the parser.
    raw = json.dumps(body)
    raw = raw.replace('"PLACEHOLDER_INSTANCE"', instance)
    return raw.replace('"PLACEHOLDER_SUMMARY"', summary).encode()


def test_line_breaks_controls_and_surrogates_in_labels_are_neutralised(hooks, api, api_down):
    fired = hooks.post(
        "/hooks/alertmanager",
        raw=alert(
            instance=r'"api-1\r\nBcc: victim@example.org\r\n\r\nForged\u2028\u0085\u0000\ud800"',
            summary=r'"The API is down.\nSecond line.\u0000\u001b[31m \ud83d"',
        ),
    )
    assert fired.status == 200, fired.raw
    incident = Incident.objects.get()
    assert incident.name == "APIDown on api-1 Bcc: victim@example.org Forged \ufffd"
    assert incident.updates.get().body == "The API is down.\nSecond line.  [31m \ufffd"
    api.refresh_from_db()
    assert api.status == ComponentStatus.MAJOR_OUTAGE
    labels = FiringAlert.objects.get().labels
    assert labels["instance"] == "api-1 Bcc: victim@example.org Forged \ufffd"


def test_a_mapping_whose_name_template_holds_a_line_break_still_opens_a_one_line_incident(
    hooks, api, api_down
):
    AlertMapping.objects.filter(pk=api_down.pk).update(incident_name="{alertname}\r\nBcc: x")
    fired = hooks.post("/hooks/alertmanager", raw=alert('"api-1"', '"Down."'))
    assert fired.status == 200, fired.raw
    assert Incident.objects.get().name == "APIDown Bcc: x"


def test_a_mapping_typed_with_a_name_on_two_lines_is_refused(page, api):
    mapping = AlertMapping(
        page=page,
        name="API\ndown",
        matchers={"alertname": "APIDown"},
        component=api,
        incident_name="{alertname}\r\nBcc: x",
    )
    with pytest.raises(ValidationError) as caught:
        mapping.full_clean()
    assert set(caught.value.message_dict) == {"name", "incident_name"}


def test_alerts_nested_past_the_recursion_limit_are_a_400(hooks, api_down):
    reply = hooks.post("/hooks/alertmanager", raw=b'{"alerts": ' + b"[" * 200_000)
    assert reply.status == 400
    reply = hooks.post("/hooks/alertmanager", raw=b"[" * 200_000 + b"]" * 200_000)
    assert reply.status == 400
    assert not FiringAlert.objects.exists()
