# mypy: disable-error-code="index"
"""`metadata` and `reminder_intervals` on v1 incidents (contract §3): stored, read back,
replaced without an update, and refused with a clear 422 when malformed."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from events.models import AuditEntry
from incidents.models import Incident
from maintenance.models import Maintenance


class Api:
    def __init__(self, client, key: str, base: str) -> None:
        self.client, self.key, self.base = client, key, base

    def send(self, method: str, path: str, body: Any = None) -> Any:
        return self.client.generic(
            method,
            self.base + path,
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"OAuth {self.key}",
        )

    def create(self, **fields: Any) -> Any:
        return self.send("POST", "/incidents", {"incident": {"name": "Slow API", **fields}})

    def patch(self, incident_id: str, **fields: Any) -> Any:
        return self.send("PATCH", f"/incidents/{incident_id}", {"incident": fields})


@pytest.fixture
def v1(client, api_key, base) -> Api:
    return Api(client, api_key, base)


def maintenance_fields(**extra: Any) -> dict[str, Any]:
    start = timezone.now() + timedelta(days=1)
    return {
        "status": "scheduled",
        "scheduled_for": start.isoformat(),
        "scheduled_until": (start + timedelta(hours=2)).isoformat(),
        **extra,
    }


TRACKER = {"tracker": {"issue_id": "OPS-42", "labels": ["api"]}, "pager": {"id": 7}}


def test_metadata_is_stored_on_create_and_read_back(v1):
    created = v1.create(metadata=TRACKER)
    assert created.status_code == 201, created.content
    assert created.json()["metadata"] == TRACKER
    incident_id = created.json()["id"]
    assert Incident.objects.get(pk=incident_id).metadata == TRACKER
    assert v1.send("GET", f"/incidents/{incident_id}").json()["metadata"] == TRACKER
    listed = {i["id"]: i for i in v1.send("GET", "/incidents").json()}
    assert listed[incident_id]["metadata"] == TRACKER


def test_an_incident_without_metadata_reads_an_empty_object(v1):
    assert v1.create().json()["metadata"] == {}


def test_patching_metadata_replaces_it_without_creating_an_update(v1):
    incident_id = v1.create(metadata=TRACKER, body="Looking.").json()["id"]

    replaced = v1.patch(incident_id, metadata={"tracker": {"issue_id": "OPS-43"}})

    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["metadata"] == {"tracker": {"issue_id": "OPS-43"}}
    assert len(replaced.json()["incident_updates"]) == 1
    audit = AuditEntry.objects.filter(object_id=incident_id, action="change").get()
    assert audit.before["metadata"] == TRACKER
    assert audit.after["metadata"] == {"tracker": {"issue_id": "OPS-43"}}
    # Not given: left as it is. Given as {}: cleared.
    assert v1.patch(incident_id, name="Slow API calls").json()["metadata"] == {
        "tracker": {"issue_id": "OPS-43"}
    }
    assert v1.patch(incident_id, metadata={}).json()["metadata"] == {}


def test_metadata_with_a_status_change_makes_exactly_one_update(v1):
    incident_id = v1.create().json()["id"]
    reply = v1.patch(incident_id, status="identified", body="Found.", metadata=TRACKER)
    assert reply.json()["metadata"] == TRACKER
    assert len(reply.json()["incident_updates"]) == 2


def test_maintenance_keeps_metadata_too(v1):
    created = v1.create(**maintenance_fields(metadata=TRACKER))
    assert created.status_code == 201, created.content
    assert created.json()["metadata"] == TRACKER
    maintenance_id = created.json()["id"]
    assert Maintenance.objects.get(pk=maintenance_id).metadata == TRACKER
    replaced = v1.patch(maintenance_id, metadata={"ticket": {"id": "CHG-1"}})
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["metadata"] == {"ticket": {"id": "CHG-1"}}
    assert len(replaced.json()["incident_updates"]) == 1


@pytest.mark.parametrize(
    "metadata",
    [
        {"tracker": "OPS-42"},
        {"tracker": ["OPS-42"]},
        {"tracker": {"id": 1}, "flat": 3},
        ["tracker"],
        "tracker",
        7,
        {"tracker": {"note": "x" * 17_000}},
        {"tracker": {"note": "nul \u0000 inside"}},
    ],
)
def test_bad_metadata_is_refused_and_nothing_is_saved(v1, metadata):
    incident_id = v1.create(metadata=TRACKER).json()["id"]
    before = Incident.objects.count()

    created = v1.create(metadata=metadata)
    patched = v1.patch(incident_id, metadata=metadata, body="Should not be posted.")

    for reply in (created, patched):
        assert reply.status_code == 422, reply.content
        assert reply.json()["message"].startswith("metadata: ")
    assert Incident.objects.count() == before
    incident = Incident.objects.get(pk=incident_id)
    assert incident.metadata == TRACKER
    assert incident.updates.count() == 1


def test_oversized_metadata_says_what_the_limit_is(v1):
    reply = v1.create(metadata={"tracker": {"note": "x" * 17_000}})
    assert "16384" in reply.json()["message"]


# reminder_intervals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (None, None),
        ("[1, 5, 7, 10]", "[1, 5, 7, 10]"),
        ("[1,5,7,10]", "[1, 5, 7, 10]"),
        ("[24]", "[24]"),
        ("4", "4"),
        (" 4 ", "4"),
        (4, "4"),
        ("24", "24"),
        ("[]", "[]"),
        ("", None),
    ],
)
def test_good_reminder_intervals_are_stored_in_their_usual_form(v1, given, stored):
    created = v1.create(reminder_intervals=given)
    assert created.status_code == 201, created.content
    assert created.json()["reminder_intervals"] == stored
    incident_id = created.json()["id"]
    assert v1.send("GET", f"/incidents/{incident_id}").json()["reminder_intervals"] == stored
    assert Incident.objects.get(pk=incident_id).reminder_intervals == (stored or "")


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("[1, 5", "is not a reminder schedule"),
        ("[1.5]", "is not a reminder schedule"),
        ('["3"]', "is not a reminder schedule"),
        ("[true]", "is not a reminder schedule"),
        ('{"every": 4}', "is not a reminder schedule"),
        ("every 4 hours", "is not a reminder schedule"),
        ("4.5", "is not a reminder schedule"),
        ("-4", "is not a reminder schedule"),
        ("null", "is not a reminder schedule"),
        ("[0, 3]", "from 1 to 24"),
        ("[3, 25]", "from 1 to 24"),
        ("0", "every 1 to 24 hours"),
        ("25", "every 1 to 24 hours"),
        ("[6, 3]", "strictly increasing"),
        ("[3, 3]", "strictly increasing"),
        ([3, 6], "must be a string"),
        (True, "must be a string"),
        ({"hours": 3}, "must be a string"),
        ("9" * 300, "the limit is 200"),
    ],
)
def test_bad_reminder_intervals_are_a_clear_422(v1, given, says):
    incident_id = v1.create(reminder_intervals="4").json()["id"]
    count = Incident.objects.count()

    created = v1.create(reminder_intervals=given)
    patched = v1.patch(incident_id, reminder_intervals=given)

    for reply in (created, patched):
        assert reply.status_code == 422, reply.content
        message = reply.json()["message"]
        assert message.startswith("reminder_intervals: "), message
        assert says in message, message
    assert Incident.objects.count() == count
    assert Incident.objects.get(pk=incident_id).reminder_intervals == "4"


def test_reminder_intervals_change_without_an_update_and_null_restores_the_default(v1):
    incident_id = v1.create(body="Looking.").json()["id"]

    changed = v1.patch(incident_id, reminder_intervals="[1, 2]")
    assert changed.status_code == 200, changed.content
    assert changed.json()["reminder_intervals"] == "[1, 2]"
    assert len(changed.json()["incident_updates"]) == 1
    audit = AuditEntry.objects.filter(object_id=incident_id, action="change").get()
    assert (audit.before["reminder_intervals"], audit.after["reminder_intervals"]) == ("", "[1, 2]")

    restored = v1.patch(incident_id, reminder_intervals=None)
    assert restored.json()["reminder_intervals"] is None
    assert Incident.objects.get(pk=incident_id).reminder_hours == [3, 6, 12, 24]


def test_maintenance_takes_no_reminder_intervals(v1):
    refused = v1.create(**maintenance_fields(reminder_intervals="[1, 2]"))
    assert refused.status_code == 422
    assert "maintenance" in refused.json()["message"]
    assert not Maintenance.objects.exists()

    # null (what a client echoing the whole object sends) is fine, and reads back as null.
    created = v1.create(**maintenance_fields(reminder_intervals=None))
    assert created.status_code == 201, created.content
    assert created.json()["reminder_intervals"] is None
    patched = v1.patch(created.json()["id"], reminder_intervals="4")
    assert patched.status_code == 422
    assert "maintenance" in patched.json()["message"]
