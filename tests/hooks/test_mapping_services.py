import pytest
from django.core.exceptions import ValidationError

from events.models import AuditEntry, OutboxEvent
from hooks.models import AlertMapping, AlertSource
from hooks.services import delete_alert_mapping, save_alert_mapping

pytestmark = pytest.mark.django_db


def test_a_mapping_is_saved_and_deleted_with_an_audit_entry_and_no_event(page, api, alice):
    events_before = OutboxEvent.objects.count()
    mapping = AlertMapping(
        page=page,
        name="API down",
        source=AlertSource.ALERTMANAGER,
        matchers={"alertname": "APIDown"},
        component=api,
    )
    assert save_alert_mapping(mapping=mapping, actor=alice)
    assert not save_alert_mapping(mapping=mapping, actor=alice)
    mapping.firing_status = "partial_outage"
    assert save_alert_mapping(mapping=mapping, actor=alice)
    delete_alert_mapping(mapping=mapping, actor=alice)
    entries = AuditEntry.objects.filter(object_type="alertmapping", actor=alice).order_by("id")
    assert list(entries.values_list("action", flat=True)) == ["create", "update", "delete"]
    changed = entries[1]
    assert changed.before is not None and changed.before["firing_status"] == "major_outage"
    assert not AlertMapping.objects.exists()
    assert OutboxEvent.objects.count() == events_before


def test_a_mapping_without_matchers_is_refused(page, api, alice):
    mapping = AlertMapping(page=page, name="Anything", matchers={}, component=api)
    with pytest.raises(ValidationError, match="at least one label"):
        save_alert_mapping(mapping=mapping, actor=alice)
    assert not AlertMapping.objects.exists()
