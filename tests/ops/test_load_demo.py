from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from components.models import Component, ComponentGroup, ComponentStatus, ComponentStatusChange
from components.uptime import compute_uptime
from events.models import AuditEntry, EventKind, OutboxEvent
from incidents.models import Incident, IncidentStatus, IncidentTemplate
from maintenance.models import Maintenance, MaintenanceStatus
from pages.models import Page

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "groups": ComponentGroup.objects.count(),
        "components": Component.objects.count(),
        "status changes": ComponentStatusChange.objects.count(),
        "incidents": Incident.objects.count(),
        "maintenance": Maintenance.objects.count(),
        "templates": IncidentTemplate.objects.count(),
        "events": OutboxEvent.objects.count(),
    }


def test_the_demo_is_a_company_status_page_with_groups_and_components(settings):
    settings.SITE_URL = "https://status.example.com"
    load_demo()
    page = Page.objects.get()
    assert page.name == "Example Status"
    assert page.is_default
    assert page.url == "https://status.example.com"
    assert page.time_zone == "Europe/Paris"
    assert page.support_url and len(page.footer_links) == 2
    groups = {g.name: sorted(c.name for c in g.components.all()) for g in page.groups.all()}
    assert groups == {
        "Core Services": ["API", "Dashboard", "Webhooks"],
        "Messaging": ["Email", "Push notifications"],
    }
    top_level = set(page.components.filter(group=None).values_list("name", flat=True))
    assert top_level == {"Website", "Status API"}
    assert page.components.filter(only_show_if_degraded=True).count() == 1
    assert page.components.filter(showcase=False).count() == 1
    today = timezone.localdate(timezone=page.tz)
    start_dates = {c.start_date for c in page.components.all()}
    assert start_dates == {today - timedelta(days=120)}


def test_the_demo_has_an_open_incident_that_has_moved_through_three_stages():
    load_demo()
    incident = Incident.objects.unresolved().get()
    assert incident.status == IncidentStatus.MONITORING
    stages = list(incident.updates.order_by("display_at").values_list("status", flat=True))
    assert stages == ["investigating", "identified", "monitoring"]
    api = Component.objects.get(name="API")
    assert api.status != ComponentStatus.OPERATIONAL
    assert api in incident.components.all()


def test_the_demo_has_past_incidents_with_their_outages_in_the_uptime_bars():
    load_demo()
    page = Page.objects.get()
    past = Incident.objects.resolved()
    assert past.count() >= 4
    assert all(i.backfilled for i in past)
    assert len({i.impact for i in past}) >= 2
    assert len({timezone.localdate(i.started_at, page.tz) for i in past}) == past.count()
    crossing = [
        i
        for i in past
        if timezone.localdate(i.started_at, page.tz) != timezone.localdate(i.resolved_at, page.tz)
    ]
    assert crossing, "one past incident crosses midnight"
    with_postmortem = Incident.objects.get(status=IncidentStatus.POSTMORTEM)
    assert with_postmortem.postmortem.is_published

    components = list(page.components.all())
    uptime = compute_uptime(components, tz=page.tz, now=timezone.now(), days=90)
    days_with_downtime = {
        day.day for u in uptime.values() for day in u.days if day.downtime_minutes > 0
    }
    assert len(days_with_downtime) >= 4
    assert any(0 < (u.percentage or 100) < 100 for u in uptime.values())


def test_the_demo_has_a_completed_past_maintenance_and_an_upcoming_one():
    load_demo()
    past = Maintenance.objects.get(status=MaintenanceStatus.COMPLETED)
    assert past.scheduled_until < timezone.now()
    assert past.updates.count() == 4
    upcoming = Maintenance.objects.upcoming().get()
    assert upcoming.scheduled_for > timezone.now()
    assert upcoming.remind_minutes_before
    assert upcoming.components.exists()
    # The past window was recorded as maintenance and restored afterwards.
    assert ComponentStatusChange.objects.filter(
        cause="maintenance", new_status=ComponentStatus.UNDER_MAINTENANCE
    ).exists()
    assert not Component.objects.filter(status=ComponentStatus.UNDER_MAINTENANCE).exists()


def test_the_demo_offers_update_templates():
    load_demo()
    names = set(IncidentTemplate.objects.values_list("name", flat=True))
    assert {"Investigating", "Identified", "Resolved"} <= names


def test_the_demo_is_written_through_the_services_so_every_write_is_audited():
    load_demo()
    audited = set(
        AuditEntry.objects.filter(actor_label="demo").values_list("object_type", "action")
    )
    assert {("page", "create"), ("incidenttemplate", "create")} <= audited
    assert OutboxEvent.objects.filter(kind=EventKind.PAGE_CHANGED).count() == 1
    past = list(Incident.objects.filter(backfilled=True).values_list("pk", flat=True))
    with_history = set(
        ComponentStatusChange.objects.filter(cause_id__in=past).values_list("cause_id", flat=True)
    )
    recorded = set(
        AuditEntry.objects.filter(action="record_statuses").values_list("object_id", flat=True)
    )
    assert with_history and recorded == with_history
    assert not OutboxEvent.objects.filter(subject_id__in=past, notify=True).exists()


def test_loading_the_demo_twice_changes_nothing():
    load_demo()
    before = counts()
    output = load_demo()
    assert "already exists" in output
    assert counts() == before


def test_the_demo_is_not_loaded_over_an_existing_page(page):
    output = load_demo()
    assert "already exists" in output
    assert not Component.objects.exists()
