"""Schemathesis fuzzes every operation in /v1/openapi.json against a live server.

Whatever it sends (valid or not), the API must answer without a 5xx, with a status code,
content type and body the document declares.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from monitors.models import Metric
from operator_api.openapi import openapi_document
from subscribers import services as subscriber_services
from tests.support.scenes import open_api_incident

schema = schemathesis.openapi.from_dict(openapi_document("http://localhost/v1"))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def real_ids(page, api, website, settings) -> dict[str, str]:
    """Ids that exist, so the fuzzer reaches past the 404s some of the time."""
    # Generated webhook URLs would otherwise be looked up in DNS, slowly and off this machine.
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = True
    subscriber = subscriber_services.add_email_subscriber(
        page=page, email="fuzz@example.com", skip_confirmation=True, actor="tests"
    )
    incident = open_api_incident(page, api)
    metric = Metric.objects.create(page=page, name="Latency", suffix="ms")
    return {
        "page_id": page.pk,
        "component_id": api.pk,
        "group_id": api.group_id or "",
        "incident_id": incident.pk,
        "incident_update_id": incident.updates.get().pk,
        "subscriber_id": subscriber.pk,
        "metric_id": metric.pk,
    }


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_operation_answers_a_fuzzed_request_with_a_server_error_or_an_undocumented_reply(
    case, live_server, api_key, real_ids
):
    for name in case.path_parameters or {}:
        if name in real_ids and (name == "page_id" or hash(str(case.body)) % 2 == 0):
            case.path_parameters[name] = real_ids[name]
    case.call_and_validate(
        base_url=f"{live_server.url}/v1",
        headers={"Authorization": f"OAuth {api_key}"},
        checks=CHECKS,
    )
