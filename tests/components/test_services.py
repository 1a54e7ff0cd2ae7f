import pytest
from django.core.exceptions import ValidationError

from components import services
from components.models import Component, ComponentStatus, ComponentStatusChange
from events.models import AuditEntry, EventKind, OutboxEvent

pytestmark = pytest.mark.django_db


def test_a_new_component_is_operational_and_announced_once(page, core, alice):
    component = services.create_component(page=page, name="Webhooks", group=core, actor=alice)
    assert component.status == ComponentStatus.OPERATIONAL
    assert component.group == core
    assert AuditEntry.objects.filter(action="create", object_id=component.pk, actor=alice).exists()
    assert (
        OutboxEvent.objects.filter(
            kind=EventKind.COMPONENTS_CHANGED, subject_id=component.pk
        ).count()
        == 1
    )


def test_a_component_cannot_join_a_group_of_another_page(page, alice):
    from pages.models import Page

    other = Page.objects.create(name="Other", url="https://other.example.com", domain="other")
    foreign = services.create_group(page=other, name="Elsewhere", actor=alice)
    with pytest.raises(ValidationError):
        services.create_component(page=page, name="API", group=foreign, actor=alice)
    assert not Component.objects.filter(page=page).exists()


def test_renaming_a_component_is_saved_and_audited(api, alice):
    assert services.update_component(component=api, name="Public API", actor=alice) is True
    api.refresh_from_db()
    assert api.name == "Public API"
    entry = AuditEntry.objects.get(action="update", object_id=api.pk)
    assert (entry.before or {})["name"] == "API"
    assert (entry.after or {})["name"] == "Public API"


def test_saving_a_component_unchanged_is_a_no_op(api, alice):
    events_before = OutboxEvent.objects.count()
    assert services.update_component(component=api, name="API", actor=alice) is False
    assert OutboxEvent.objects.count() == events_before
    assert not AuditEntry.objects.filter(action="update").exists()


def test_the_status_cannot_be_changed_through_the_edit_form(api, alice):
    with pytest.raises(ValidationError, match="status"):
        services.update_component(component=api, status="major_outage", actor=alice)


def test_setting_statuses_keeps_history_audit_and_one_event(page, api, dashboard, alice):
    changed = services.set_component_statuses(
        page=page,
        statuses={api: ComponentStatus.MAJOR_OUTAGE, dashboard: ComponentStatus.PARTIAL_OUTAGE},
        actor=alice,
    )
    assert {(t.name, t.old_status, t.new_status) for t in changed} == {
        ("API", "operational", "major_outage"),
        ("Dashboard", "operational", "partial_outage"),
    }
    api.refresh_from_db()
    dashboard.refresh_from_db()
    assert api.status == ComponentStatus.MAJOR_OUTAGE
    assert dashboard.status == ComponentStatus.PARTIAL_OUTAGE
    history = ComponentStatusChange.objects.get(component=api)
    assert (history.old_status, history.new_status, history.cause) == (
        "operational",
        "major_outage",
        "manual",
    )
    assert AuditEntry.objects.filter(action="set_status", actor=alice).count() == 2
    events = OutboxEvent.objects.filter(kind=EventKind.COMPONENT_STATUS_CHANGED)
    assert events.count() == 1
    assert len(events.get().payload["transitions"]) == 2


def test_setting_the_status_a_component_already_has_changes_nothing(page, api, alice):
    events_before = OutboxEvent.objects.count()
    assert services.set_component_status(component=api, status="operational", actor=alice) is False
    assert not ComponentStatusChange.objects.exists()
    assert OutboxEvent.objects.count() == events_before
    assert not AuditEntry.objects.filter(action="set_status").exists()


def test_an_unknown_status_is_refused_and_nothing_changes(page, api, dashboard, alice):
    with pytest.raises(ValidationError, match="not a component status"):
        services.set_component_statuses(
            page=page,
            statuses={api: ComponentStatus.MAJOR_OUTAGE, dashboard: "on_fire"},
            actor=alice,
        )
    api.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL
    assert not ComponentStatusChange.objects.exists()


def test_deleting_a_group_moves_its_components_to_the_top_level(core, api, alice):
    services.delete_group(group=core, actor=alice)
    api.refresh_from_db()
    assert api.group is None
