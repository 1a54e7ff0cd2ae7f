import pytest
from django.core.exceptions import ValidationError

from components import services
from components.models import Component, ComponentStatus, ComponentStatusChange
from events.models import AuditEntry, EventKind
from tests.support import personas
from tests.support.events import captured_events, emitted, read

pytestmark = pytest.mark.django_db


def changed(subject_type: str, subject_id: str) -> dict:
    """The event that tells the publisher the page's list of components changed."""
    return {
        "kind": EventKind.COMPONENTS_CHANGED,
        "subject": (subject_type, subject_id),
        "notify": False,
        "payload": {},
    }


def test_a_new_component_is_operational_and_announced_once(page, core, alice):
    with captured_events() as events:
        component = services.create_component(page=page, name="Webhooks", group=core, actor=alice)
    assert component.status == ComponentStatus.OPERATIONAL
    assert component.group == core
    assert AuditEntry.objects.filter(action="create", object_id=component.pk, actor=alice).exists()
    assert read(events) == [changed("component", component.pk)]


def test_a_component_cannot_join_a_group_of_another_page(page, other_page, alice):
    foreign = services.create_group(page=other_page, name="Elsewhere", actor=alice)
    with captured_events() as events, pytest.raises(ValidationError):
        services.create_component(page=page, name="API", group=foreign, actor=alice)
    assert not Component.objects.filter(page=page).exists()
    assert events == []


def test_renaming_a_component_is_saved_audited_and_announced(api, alice):
    with captured_events() as events:
        assert services.update_component(component=api, name="Public API", actor=alice) is True
    assert read(events) == [changed("component", api.pk)]
    api.refresh_from_db()
    assert api.name == "Public API"
    entry = AuditEntry.objects.get(action="update", object_id=api.pk)
    assert (entry.before or {})["name"] == "API"
    assert (entry.after or {})["name"] == "Public API"


def test_saving_a_component_unchanged_is_a_no_op(api, alice):
    with captured_events() as events:
        assert services.update_component(component=api, name="API", actor=alice) is False
    assert events == []
    assert not AuditEntry.objects.filter(action="update").exists()


def test_the_status_cannot_be_changed_through_the_edit_form(api, alice):
    with pytest.raises(ValidationError, match="status"):
        services.update_component(component=api, status="major_outage", actor=alice)


def test_setting_statuses_keeps_history_audit_and_one_event(page, api, dashboard, alice):
    with captured_events() as events:
        transitions = services.set_component_statuses(
            page=page,
            statuses={
                api: ComponentStatus.MAJOR_OUTAGE,
                dashboard: ComponentStatus.PARTIAL_OUTAGE,
            },
            actor=alice,
        )
    assert {(t.name, t.old_status, t.new_status) for t in transitions} == {
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
    [event] = events
    assert event.kind == EventKind.COMPONENT_STATUS_CHANGED and not event.notify
    assert event.payload["transitions"] == [t.as_json() for t in transitions]
    assert {(t["name"], t["new_status"]) for t in event.payload["transitions"]} == {
        ("API", "major_outage"),
        ("Dashboard", "partial_outage"),
    }


def test_setting_the_status_a_component_already_has_changes_nothing(page, api, alice):
    with captured_events() as events:
        assert (
            services.set_component_status(component=api, status="operational", actor=alice) is False
        )
    assert not ComponentStatusChange.objects.exists()
    assert events == []
    assert not AuditEntry.objects.filter(action="set_status").exists()


def test_an_unknown_status_is_refused_and_nothing_changes(page, api, dashboard, alice):
    with (
        captured_events() as events,
        pytest.raises(ValidationError, match="not a component status"),
    ):
        services.set_component_statuses(
            page=page,
            statuses={api: ComponentStatus.MAJOR_OUTAGE, dashboard: "on_fire"},
            actor=alice,
        )
    api.refresh_from_db()
    assert api.status == ComponentStatus.OPERATIONAL
    assert not ComponentStatusChange.objects.exists()
    assert events == []


def test_deleting_a_group_moves_its_components_to_the_top_level(core, api, alice):
    group_id = core.pk
    with captured_events() as events:
        services.delete_group(group=core, actor=alice)
    api.refresh_from_db()
    assert api.group is None
    assert read(events) == [changed("componentgroup", group_id)]


def test_editing_a_component_and_its_status_is_one_change(page, api, alice):
    kinds = emitted(
        lambda: services.edit_component(
            component=api, actor=alice, name="Public API", status=ComponentStatus.MAJOR_OUTAGE
        )
    )
    assert kinds == [EventKind.COMPONENT_STATUS_CHANGED]
    api.refresh_from_db()
    assert (api.name, api.status) == ("Public API", ComponentStatus.MAJOR_OUTAGE)
    assert set(AuditEntry.objects.filter(actor=alice).values_list("action", flat=True)) == {
        "update",
        "set_status",
    }


def test_editing_a_component_without_a_status_announces_the_new_attributes(page, api, alice):
    kinds = emitted(lambda: services.edit_component(component=api, actor=alice, showcase=False))
    assert kinds == [EventKind.COMPONENTS_CHANGED]
    assert (
        emitted(lambda: services.edit_component(component=api, actor=alice, showcase=False)) == []
    )


def test_a_component_moved_to_another_group_goes_to_its_end(page, core, api, dashboard, alice):
    other = services.create_group(page=page, name="Edge", actor=alice)
    website = services.create_component(page=page, name="CDN", group=other, actor=alice)
    services.edit_component(component=api, actor=alice, group=other)
    api.refresh_from_db()
    assert (api.group, api.position) == (other, website.position + 1)


def test_a_new_group_takes_its_members_in_order_as_one_change(page, api, dashboard, website, alice):
    group = None

    def create():
        nonlocal group
        group = services.create_group(
            page=page, name="Everything", components=[website, api], actor=alice
        )

    assert emitted(create) == [EventKind.COMPONENTS_CHANGED]
    members = Component.objects.filter(group=group).order_by("position")
    assert [(c.name, c.position) for c in members] == [("Website", 1), ("API", 2)]
    assert AuditEntry.objects.filter(action="update", object_type="component").count() == 2


def test_a_group_given_new_members_sends_the_others_to_the_top_level(
    page, core, api, dashboard, alice
):
    kinds = emitted(
        lambda: services.update_group(group=core, actor=alice, name="Core", components=[dashboard])
    )
    assert kinds == [EventKind.COMPONENTS_CHANGED]
    api.refresh_from_db()
    dashboard.refresh_from_db()
    assert (dashboard.group, dashboard.position) == (core, 1)
    assert (api.group, api.position) == (None, 2)  # after the group, alone at the top level
    assert (
        emitted(lambda: services.update_group(group=core, actor=alice, components=[dashboard]))
        == []
    )


def test_a_group_cannot_take_a_component_of_another_page(page, core, alice):
    from pages.models import Page

    other = Page.objects.create(name="Other", url="https://other.example.com", domain="other")
    foreign = services.create_component(page=other, name="Elsewhere", actor=alice)
    with pytest.raises(ValidationError, match="another page"):
        services.update_group(group=core, actor=alice, components=[foreign])


def test_one_status_for_components_of_two_pages_writes_one_event_for_each_page(
    page, other_page, api, dashboard, alice
):
    theirs = personas.component(other_page, "Checkout")

    with captured_events() as events:
        changed = services.set_status_across_pages(
            components=[api, dashboard, theirs], status=ComponentStatus.MAJOR_OUTAGE, actor=alice
        )

    assert {t.code for t in changed} == {api.pk, dashboard.pk, theirs.pk}
    assert sorted((e.page_id, len(e.payload["transitions"])) for e in events) == sorted(
        [(page.pk, 2), (other_page.pk, 1)]
    )
    assert set(Component.objects.values_list("status", flat=True)) == {"major_outage"}
