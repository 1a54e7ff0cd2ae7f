"""Keys are checked, other pages stay hidden, and bad input gets a clear 4xx, never a 500."""

import json

import pytest
from django.core.management import call_command

from components.models import Component
from incidents.models import Incident
from maintenance.models import Maintenance
from operator_api.models import ApiKey
from operator_api.services import create_api_key, revoke_api_key
from tests.support.api_client import Http

AUTH_ERROR = {"error": "Could not authenticate", "message": "Could not authenticate"}


def test_a_request_without_a_key_or_with_a_wrong_one_is_refused(operator, base):
    assert operator.get(f"{base}/components", key=None).status == 401
    wrong = operator.get(f"{base}/components", key="bk_abcdefgh_not-the-secret")
    assert wrong.status == 401
    assert wrong.json == AUTH_ERROR
    assert operator.get(f"{base}/components", key="garbage").json == AUTH_ERROR


def test_the_key_may_be_given_as_a_query_parameter(operator, base, api_key, api):
    reply = operator.get(f"{base}/components?api_key={api_key}", key=None)
    assert reply.status == 200
    assert [c["name"] for c in reply.json] == ["Core Services", "API"]
    assert reply.json == operator.get(f"{base}/components").json  # as with the key in a header


def test_a_revoked_key_stops_working_at_once(operator, base, page):
    api_key, key = create_api_key(page=page, name="Old CI", actor="tests")
    assert operator.get(f"{base}/components", key=key).status == 200
    revoke_api_key(api_key=api_key, actor="tests")
    assert operator.get(f"{base}/components", key=key).status == 401


def test_a_key_records_when_it_was_last_used(operator, base, page):
    api_key, key = create_api_key(page=page, name="Monitor", actor="tests")
    assert api_key.last_used_at is None
    operator.get(f"{base}/components", key=key)
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_keys_are_stored_hashed_and_never_in_clear(page, api_key):
    stored = ApiKey.objects.get()
    assert api_key not in (stored.key_hash, stored.prefix, stored.name)
    assert stored.matches(api_key)


def test_another_pages_data_is_not_found_with_this_pages_key(operator, page, other_page):
    foreign = Component.objects.create(page=other_page, name="Secret thing")
    assert operator.get(f"/v1/pages/{other_page.pk}/components").status == 404
    reply = operator.get(f"/v1/pages/{page.pk}/components/{foreign.pk}")
    assert reply.status == 404
    assert "message" in reply.json


def test_createapikey_prints_a_working_key_once(operator, base, page, capsys):
    call_command("createapikey", "--page", "default", "--name", "Terraform")
    key = capsys.readouterr().out.strip()
    assert key.startswith("bk_")
    assert operator.get(f"{base}/incidents", key=key).status == 200
    assert ApiKey.objects.filter(name="Terraform", page=page).exists()


def test_unknown_enum_values_are_refused_with_the_allowed_ones(operator, base, api):
    reply = operator.post(
        f"{base}/incidents",
        {"incident": {"name": "Down", "status": "on_fire", "body": "Help"}},
    )
    assert reply.status == 422
    assert "on_fire" in reply.json["message"]
    assert "investigating" in reply.json["message"]
    bad_map = operator.post(
        f"{base}/incidents",
        {"incident": {"name": "Down", "body": "Help", "components": {api.pk: "melted"}}},
    )
    assert bad_map.status == 422
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("scheduled_for", "scheduled_until", "message"),
    [
        ("tomorrow at two", "2026-09-05T04:00:00Z", "scheduled_for"),
        ("2026-09-05T04:00:00Z", "2026-09-05T02:00:00Z", "end after it starts"),
    ],
)
def test_malformed_timestamps_and_windows_are_refused(
    operator, base, scheduled_for, scheduled_until, message
):
    window = {"scheduled_for": scheduled_for, "scheduled_until": scheduled_until}
    reply = operator.post(
        f"{base}/incidents", {"incident": {"name": "Upgrade", "status": "scheduled", **window}}
    )
    assert reply.status == 422
    assert message in reply.json["message"]
    assert not Maintenance.objects.exists()


def test_a_missing_name_or_a_foreign_component_is_a_validation_failure(
    operator, base, page, other_page
):
    assert operator.post(f"{base}/components", {"component": {}}).status == 422
    foreign = Component.objects.create(page=other_page, name="Theirs")
    reply = operator.post(
        f"{base}/incidents",
        {"incident": {"name": "Down", "body": "x", "component_ids": [foreign.pk]}},
    )
    assert reply.status == 422
    assert foreign.pk in reply.json["message"]


def test_bodies_that_cannot_be_read_are_bad_requests(operator, base, settings):
    path = f"{base}/components"
    not_json = operator.post(path, raw=b"{not json", content_type="application/json")
    assert not_json.status == 400
    assert "JSON" in not_json.json["message"]
    array = operator.post(path, raw=b"[1, 2]", content_type="application/json")
    assert array.status == 400
    latin1 = operator.post(
        path, raw='{"component": {"name": "Caf\xe9"}}'.encode("latin-1"), content_type=None
    )
    assert latin1.status == 400
    assert "UTF-8" in latin1.json["message"]
    xml = operator.post(path, raw=b"<component/>", content_type="application/xml")
    assert xml.status == 415
    no_envelope = operator.post(path, {"name": "Search"})
    assert no_envelope.status == 400
    assert "component" in no_envelope.json["message"]


def test_an_oversized_body_is_refused_without_saving_anything(operator, base, settings):
    body = json.dumps({"component": {"name": "Big", "description": "x" * 1_100_000}}).encode()
    reply = operator.post(f"{base}/components", raw=body)
    assert reply.status == 413
    assert not Component.objects.filter(name="Big").exists()


def test_get_ignores_a_form_content_type_and_paths_answer_with_or_without_json(operator, base):
    for path in (f"{base}/incidents", f"{base}/incidents.json", f"{base}/incidents/"):
        reply = operator.request(
            "GET", path, raw=b"", content_type="application/x-www-form-urlencoded"
        )
        assert reply.status == 200
        assert reply.json == []


def test_bad_pagination_is_a_bad_request(operator, base):
    assert operator.get(f"{base}/components?page=zero").status == 400
    assert operator.get(f"{base}/components?per_page=-4").status == 400


def test_the_api_sets_no_cookies(operator, base):
    reply = operator.post(f"{base}/components", {"component": {"name": "Search"}})
    assert reply.status == 201
    assert "Set-Cookie" not in reply.headers


def test_a_resolved_incident_reopens_when_given_an_unresolved_status(operator, base):
    incident = operator.post(
        f"{base}/incidents", {"incident": {"name": "Flaky", "status": "resolved", "body": "Done"}}
    ).json
    reopened = operator.patch(
        f"{base}/incidents/{incident['id']}", {"incident": {"status": "investigating"}}
    )
    assert reopened.status == 200
    assert reopened.json["status"] == "investigating"
    assert reopened.json["resolved_at"] is None


def test_the_openapi_document_describes_every_endpoint(live_server):
    reply = Http(live_server.url, None).get("/v1/openapi.json")
    assert reply.status == 200
    document = reply.json
    assert document["openapi"].startswith("3.")
    assert "/pages/{page_id}/incidents/{incident_id}/postmortem/publish" in document["paths"]
    assert "oauth_header" in document["components"]["securitySchemes"]


def test_deleting_an_incident_answers_with_the_deleted_incident(operator, base):
    incident = operator.post(
        f"{base}/incidents", {"incident": {"name": "Mistake", "body": "Posted by mistake."}}
    ).json
    deleted = operator.delete(f"{base}/incidents/{incident['id']}.json")
    assert deleted.status == 200
    assert deleted.json["id"] == incident["id"]
    assert operator.get(f"{base}/incidents/{incident['id']}").status == 404


def test_an_unknown_path_under_v1_is_a_json_404(operator):
    reply = operator.get("/v1/pages/abc/widgets")
    assert reply.status == 404
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json == {"error": "No such endpoint.", "message": "No such endpoint."}


def test_a_method_the_endpoint_does_not_take_is_refused(operator, base):
    reply = operator.post(f"{base}/incidents/unresolved", {"incident": {}})
    assert reply.status == 405
    assert "GET" in reply.headers["Allow"]
