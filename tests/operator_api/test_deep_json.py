"""Deeply nested bodies are refused with a clear 400, never a 500 (RecursionError)."""

import pytest

from incidents.models import Incident
from operator_api.http import MAX_JSON_DEPTH, nests_deeper_than, read_json

DEEP = 100_000


def test_a_hundred_thousand_brackets_are_a_bad_request_to_the_operator_api(operator, base):
    for raw in (b"[" * DEEP, b'{"incident": ' + b'{"a": ' * DEEP):
        reply = operator.post(f"{base}/incidents", raw=raw)
        assert reply.status == 400, reply.raw[:200]
        assert "deeper than" in reply.json["message"]
    assert not Incident.objects.exists()


def test_deep_nesting_is_refused_whatever_the_content_type_says(operator, base):
    raw = b'{"incident": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    for content_type in (None, "application/json", "application/vnd.api+json"):
        reply = operator.patch(f"{base}/incidents/abc", raw=raw, content_type=content_type)
        assert reply.status == 400, (content_type, reply.raw[:200])


def test_a_deeply_bracketed_form_field_is_a_bad_request(operator, base):
    raw = ("incident" + "[a]" * DEEP + "=x").encode()
    reply = operator.post(
        f"{base}/incidents", raw=raw, content_type="application/x-www-form-urlencoded"
    )
    assert reply.status == 400
    assert "nests too deeply" in reply.json["message"]


def test_a_body_within_the_bound_is_still_read(operator, base):
    metadata = {"tracker": {"issue": {"labels": [["sev1"]]}}}
    reply = operator.post(
        f"{base}/incidents",
        {"incident": {"name": "Errors", "body": "Looking.", "metadata": metadata}},
    )
    assert reply.status == 201, reply.raw
    assert reply.json["metadata"] == metadata


@pytest.mark.parametrize("source", ["alertmanager", "grafana"])
def test_a_hundred_thousand_brackets_are_a_bad_request_to_the_alert_hooks(
    live_server, page, source
):
    from operator_api.services import create_api_key
    from tests.support.api_client import Http

    key = create_api_key(page=page, name="Alerts", actor="tests")[1]
    hooks = Http(live_server.url, None)
    for raw in (b"[" * DEEP, b'{"alerts": ' + b"{" * DEEP):
        reply = hooks.post(f"/hooks/{source}/{key}", raw=raw)
        assert reply.status == 400, reply.raw[:200]
        assert "deeper than" in reply.json["message"]


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = '{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{"}'
    assert not nests_deeper_than(text, 1)
    assert read_json(text)["a"].startswith("[[[")
    assert nests_deeper_than("[" * (MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)
    assert not nests_deeper_than("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, MAX_JSON_DEPTH)
