"""Monitors in the admin, as operators use them: by page and by role, with their last results,
the log of what they changed, and the "Check now" button."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from events.models import AuditEntry
from incidents import services as incident_services
from monitors.models import (
    Monitor,
    MonitorResult,
    MonitorSchedule,
    MonitorTransition,
    TransitionAction,
)
from pages.roles import assign_role
from tests.support import personas

from .conftest import PUBLIC_URL

pytestmark = pytest.mark.django_db

ADD = "/admin/monitors/monitor/add/"
LIST = "/admin/monitors/monitor/"


def change_url(monitor: Monitor) -> str:
    return reverse("admin:monitors_monitor_change", args=[monitor.pk])


def check_url(monitor: Monitor) -> str:
    return reverse("admin:monitors_monitor_check", args=[monitor.pk])


def form_data(page, component, /, **overrides) -> dict[str, str]:
    data = {
        "page": page.pk,
        "component": component.pk,
        "name": "API health",
        "kind": "http",
        "enabled": "on",
        "interval_seconds": "60",
        "target": PUBLIC_URL,
        "timeout_seconds": "10",
        "method": "GET",
        "expected_statuses": "200-299",
        "keyword": "",
        "json_path": "",
        "json_expected": "",
        "headers": "{}",
        "body": "",
        "follow_redirects": "on",
        "verify_tls": "on",
        "tls_expiry_days": "14",
        "degraded_latency_ms": "",
        "port": "",
        "dns_record_type": "A",
        "dns_expected": "",
        "dns_resolver": "",
        "grace_seconds": "60",
        "regions": "",
        "regions_required": "1",
        "down_after": "3",
        "down_window": "3",
        "up_after": "2",
        "down_status": "major_outage",
        "degraded_status": "degraded_performance",
        "incident_template": "",
    }
    return {k: str(v) for k, v in (data | overrides).items() if v is not None}


def not_due(monitor: Monitor) -> None:
    MonitorSchedule.objects.filter(monitor=monitor).update(
        next_due_at=timezone.now() + timedelta(hours=1)
    )


def test_a_page_admin_adds_an_http_monitor(client, dana, page, api):
    client.force_login(dana)
    response = client.post(
        ADD, form_data(page, api, regions="eu-west, us-east", regions_required="2")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    monitor = Monitor.objects.get(name="API health")
    assert monitor.regions == ["eu-west", "us-east"]
    assert set(
        MonitorSchedule.objects.filter(monitor=monitor).values_list("region", flat=True)
    ) == {
        "eu-west",
        "us-east",
    }
    entry = AuditEntry.objects.get(object_type="monitor", object_id=str(monitor.pk))
    assert (entry.action, entry.actor_label, entry.page_id) == ("create", "dana", page.pk)


def test_a_page_admin_changes_and_deletes_a_monitor(client, dana, make_monitor):
    monitor = make_monitor()
    client.force_login(dana)
    response = client.post(
        change_url(monitor),
        form_data(monitor.page, monitor.component, name="API (public)", interval_seconds="30"),
    )
    assert response.status_code == 302
    monitor.refresh_from_db()
    assert (monitor.name, monitor.interval_seconds) == ("API (public)", 30)
    assert AuditEntry.objects.filter(object_id=str(monitor.pk), action="update").exists()

    response = client.post(
        reverse("admin:monitors_monitor_delete", args=[monitor.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Monitor.objects.filter(pk=monitor.pk).exists()
    assert AuditEntry.objects.filter(object_id=str(monitor.pk), action="delete").exists()


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"interval_seconds": "1"}, "between every 10 seconds"),
        ({"interval_seconds": "soon"}, "Enter a whole number"),
        ({"timeout_seconds": "inf"}, "Enter a number"),
        ({"timeout_seconds": "90"}, "between 1 and 60 seconds"),
        ({"target": "gopher://example.com/"}, "http:// or https://"),
        ({"target": "https://admin:hunter2@example.com/"}, "Leave user names and passwords"),
        ({"target": "http://127.0.0.1:8000/admin/"}, "private, loopback"),
        ({"headers": "{not json"}, "Enter a valid JSON"),
        ({"headers": '["Accept"]'}, "a JSON object of names"),
        ({"headers": '{"X-A": "1\\r\\nX-B: 2"}'}, "one line"),
        ({"expected_statuses": "2xx"}, "as 200-299,301"),
        ({"json_path": "$..x"}, "dotted path"),
        ({"regions": "eu west"}, "is not a region name"),
        ({"regions": "eu", "regions_required": "2"}, "at most 1 can agree"),
        ({"down_after": "5", "down_window": "3"}, "cannot fit in a window"),
        ({"down_window": "1000", "down_after": "3"}, "last 1 to 20 checks"),
        ({"kind": "tcp", "target": "db.example.com", "port": "0"}, "between 1 and 65535"),
        ({"kind": "tcp", "target": "db.example.com", "port": "-4"}, "greater than or equal"),
        ({"kind": "dns", "target": "not a name"}, "Enter a domain name"),
        ({"kind": "telnet"}, "Select a valid choice"),
        ({"down_status": "operational"}, "Select a valid choice"),
        ({"component": "nope"}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
        ({"target": "x" * 600}, "at most 500 characters"),
        ({"target": "https://example.com/\x00"}, "Null characters are not allowed"),
    ],
)
def test_bad_input_is_a_form_error_never_a_500(client, dana, page, api, overrides, says):
    client.force_login(dana)
    response = client.post(ADD, form_data(page, api, **overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert "errornote" in body
    assert says in body
    assert not Monitor.objects.exists()


def test_a_name_that_resolves_to_a_private_address_is_refused_on_save(client, dana, page, api):
    # The form itself does not look names up; the save does, and says so on the field.
    client.force_login(dana)
    response = client.post(ADD, form_data(page, api, target="http://localhost:8080/health"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "localhost is a private, loopback, link-local or shared address" in body
    assert 'value="http://localhost:8080/health"' in body  # what was typed stays
    assert not Monitor.objects.exists()


def test_a_component_of_another_page_cannot_be_picked(client, dana, page, other_page, api):
    theirs = personas.component(other_page, "Their API")
    client.force_login(dana)
    response = client.post(ADD, form_data(page, theirs))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = client.post(ADD, form_data(other_page, theirs))
    assert response.status_code == 200
    assert not Monitor.objects.exists()


@pytest.fixture
def theirs(other_page) -> Monitor:
    from monitors.editing import save_monitor

    monitor = Monitor(
        page=other_page,
        component=personas.component(other_page, "Their API"),
        name="Their health",
        target=PUBLIC_URL,
    )
    save_monitor(monitor=monitor, actor="tests")
    return monitor


def test_operators_see_only_their_pages_monitors(client, dana, make_monitor, theirs):
    mine = make_monitor()
    client.force_login(dana)
    listing = client.get(LIST).content.decode()
    assert mine.name in listing
    assert theirs.name not in listing
    assert "Their API" not in listing  # nor in the component filter
    assert client.get(change_url(theirs)).status_code == 404
    not_due(theirs)
    assert client.post(check_url(theirs)).status_code == 404
    assert (
        client.post(
            reverse("admin:monitors_monitor_delete", args=[theirs.pk]), {"post": "yes"}
        ).status_code
        == 404
    )
    assert Monitor.objects.filter(pk=theirs.pk).exists()
    assert MonitorSchedule.objects.get(monitor=theirs).next_due_at > timezone.now()


def test_the_list_shows_each_monitors_latest_check(client, dana, make_monitor, page):
    monitor = make_monitor()
    checked = timezone.now().replace(microsecond=0)
    Monitor.objects.filter(pk=monitor.pk).update(
        state="down",
        last_checked_at=checked,
        last_latency_ms=1234.4,
        last_error="Connection refused",
    )
    client.force_login(dana)
    listing = client.get(LIST).content.decode()
    assert '<span class="beacon-status major_outage">Down</span>' in listing
    assert checked.astimezone(page.tz).strftime("%Y-%m-%d %H:%M:%S") in listing
    assert "1,234 ms" in listing
    assert "Connection refused" in listing
    assert "API" in listing  # the component


def test_the_check_now_button_makes_the_monitor_due(client, rita, make_monitor):
    monitor = make_monitor(regions=["eu-west", "us-east"], regions_required=1)
    not_due(monitor)
    client.force_login(rita)
    page = client.get(change_url(monitor)).content.decode()
    assert f'action="{check_url(monitor)}"' in page
    assert "Check now" in page
    response = client.post(check_url(monitor))
    assert response.status_code == 302
    assert response["Location"] == change_url(monitor)
    due = MonitorSchedule.objects.filter(monitor=monitor)
    assert due.count() == 2
    assert all(s.next_due_at <= timezone.now() for s in due)
    assert "is due now" in client.get(change_url(monitor)).content.decode()


def test_check_now_takes_a_post_with_a_csrf_token(rita, make_monitor):
    from django.test import Client

    monitor = make_monitor()
    not_due(monitor)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(rita)
    assert strict.get(check_url(monitor)).status_code == 405
    assert strict.post(check_url(monitor)).status_code == 403
    assert MonitorSchedule.objects.get(monitor=monitor).next_due_at > timezone.now()


def test_check_now_needs_its_permission(client, make_monitor, page):
    monitor = make_monitor()
    not_due(monitor)
    assert client.post(check_url(monitor)).status_code == 302  # to the login page
    viewer = User.objects.create_user("vic", password="pw", is_staff=True)
    assign_role(viewer, "responder", page)
    from django.contrib.auth.models import Group, Permission

    Group.objects.get(name="Incident responders").permissions.remove(
        Permission.objects.get(codename="check_monitor")
    )
    client.force_login(viewer)
    assert client.get(change_url(monitor)).status_code == 200
    assert "Check now" not in client.get(change_url(monitor)).content.decode()
    assert client.post(check_url(monitor)).status_code == 403
    assert MonitorSchedule.objects.get(monitor=monitor).next_due_at > timezone.now()


def test_a_disabled_monitor_is_not_checked_now(client, dana, make_monitor):
    monitor = make_monitor(enabled=False)
    not_due(monitor)
    client.force_login(dana)
    assert "Check now" not in client.get(change_url(monitor)).content.decode()
    response = client.post(check_url(monitor), follow=True)
    assert "This monitor is disabled" in response.content.decode()
    assert MonitorSchedule.objects.get(monitor=monitor).next_due_at > timezone.now()


def test_a_responder_views_but_does_not_edit_monitors(client, rita, make_monitor, page, api):
    monitor = make_monitor()
    client.force_login(rita)
    assert client.get(LIST).status_code == 200
    response = client.get(change_url(monitor))
    assert response.status_code == 200
    assert "Save" not in response.content.decode().split("beacon-monitor-history")[0][-2000:]
    assert client.get(ADD).status_code == 403
    client.post(change_url(monitor), form_data(page, api, name="Renamed"))
    client.post(reverse("admin:monitors_monitor_delete", args=[monitor.pk]), {"post": "yes"})
    monitor.refresh_from_db()
    assert monitor.name == "API health"


def test_the_change_page_shows_the_last_results_and_transitions(
    client, dana, make_monitor, page, api, alice
):
    monitor = make_monitor()
    now = timezone.now()
    MonitorResult.objects.bulk_create(
        MonitorResult(
            monitor=monitor,
            region="eu-west",
            checked_at=now - timedelta(minutes=i),
            verdict="down" if i < 3 else "up",
            latency_ms=None if i < 3 else 80 + i,
            status_code=None if i < 3 else 200,
            error="Connection refused" if i < 3 else "",
        )
        for i in range(60)
    )
    incident = incident_services.open_incident(
        page=page, name="API is down", body="Checks fail.", actor="monitor"
    )
    MonitorTransition.objects.create(
        monitor=monitor,
        at=now - timedelta(minutes=2),
        old_state="up",
        new_state="down",
        action=TransitionAction.OPENED_INCIDENT,
        component_status="major_outage",
        incident=incident,
        detail="3 of the last 3 checks failed.",
    )
    MonitorTransition.objects.create(
        monitor=monitor,
        at=now - timedelta(hours=2),
        old_state="unknown",
        new_state="up",
        action=TransitionAction.NONE,
    )
    client.force_login(dana)
    body = client.get(change_url(monitor)).content.decode()
    history = body.split('class="beacon-monitor-history"')[1]
    assert history.count('<tr class="beacon-result-') == 50
    assert "Connection refused" in history
    assert "83 ms" in history
    assert "Up → <span" in history
    assert "Opened an incident: major outage" in history
    assert f'href="{reverse("admin:incidents_incident_change", args=[incident.pk])}"' in history
    assert "API is down" in history
    assert "3 of the last 3 checks failed." in history
    # Newest first.
    assert history.index("Opened an incident") < history.index("Changed nothing")


def test_a_heartbeat_shows_its_ping_url_and_last_ping(client, dana, make_monitor, page):
    monitor = make_monitor(kind="heartbeat", target="", interval_seconds=86400)
    client.force_login(dana)
    body = client.get(change_url(monitor)).content.decode()
    assert f"{page.url}/heartbeat/{monitor.heartbeat_token}" in body
    assert "Never" in body
    assert "Check now" not in body
    pinged = timezone.now().replace(microsecond=0)
    Monitor.objects.filter(pk=monitor.pk).update(last_ping_at=pinged)
    body = client.get(change_url(monitor)).content.decode()
    assert pinged.astimezone(page.tz).strftime("%Y-%m-%d %H:%M:%S") in body


def test_the_form_groups_fields_by_kind_for_the_script(client, dana, page):
    client.force_login(dana)
    response = client.get(ADD)
    body = response.content.decode()
    assert 'class="module aligned beacon-monitor-fields beacon-for-http"' in body
    assert "beacon-for-tcp" in body and "beacon-for-dns" in body and "beacon-for-heartbeat" in body
    assert 'class="beacon-monitor-kind"' in body
    assert "/static/admin-beacon/monitors.js" in body
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert client.get("/static/admin-beacon/monitors.js").status_code == 200


def test_a_responders_read_only_page_shows_only_its_kinds_fields(client, rita, make_monitor):
    monitor = make_monitor(kind="tcp", target="93.184.215.14", port=5432)
    client.force_login(rita)
    body = client.get(change_url(monitor)).content.decode()
    assert "beacon-for-tcp" in body
    assert 'beacon-for-http"' not in body  # the HTTP(S) fieldset
    assert 'beacon-for-tcp"' in body


def test_the_roles_hold_the_monitor_permissions(db):
    from django.contrib.auth.models import Group

    def codenames(name: str) -> set[str]:
        group = Group.objects.get(name=name)
        return set(
            group.permissions.filter(content_type__app_label="monitors").values_list(
                "codename", flat=True
            )
        )

    responders = codenames("Incident responders")
    admins = codenames("Page admins")
    assert responders == {"view_monitor", "check_monitor", "view_metric"}
    assert {"add_monitor", "change_monitor", "delete_monitor", "check_monitor"} <= admins
    assert {"add_metric", "change_metric", "delete_metric"} <= admins


def test_the_list_takes_as_many_queries_for_many_monitors_as_for_one(
    client, dana, make_monitor, page, api, dashboard
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_monitor()
    client.force_login(dana)
    client.get(LIST)  # sessions and caches warmed
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    for i in range(5):
        make_monitor(name=f"Monitor {i}", component=dashboard if i % 2 else api)
    with CaptureQueriesContext(connection) as six:
        listing = client.get(LIST)
    assert "Monitor 4" in listing.content.decode()

    def ours(captured: CaptureQueriesContext) -> list[str]:
        # The admin's own banners (the notifications' health) query as time passes; not these.
        tables = ("monitors_", "components_", "pages_")
        return [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in tables)]

    assert len(ours(six)) == len(ours(one))


def test_a_two_page_admin_cannot_mix_pages_in_one_monitor(client, page, other_page, api):
    fay = User.objects.create_user("fay", password="pw")
    assign_role(fay, "admin", page)
    assign_role(fay, "admin", other_page)
    theirs = personas.component(other_page, "Their API")
    client.force_login(fay)
    response = client.post(ADD, form_data(page, theirs))
    assert response.status_code == 200
    assert "Pick a component of the monitor" in response.content.decode()
    assert not Monitor.objects.exists()


def test_the_history_refreshes_itself_only_when_there_is_news(client, rita, make_monitor, theirs):
    monitor = make_monitor()
    client.force_login(rita)
    page = client.get(change_url(monitor)).content.decode()
    assert "/static/vendor/htmx.min.js" in page
    history_url = reverse("admin:monitors_monitor_recent", args=[monitor.pk])
    marker = page.split(f'hx-get="{history_url}?since=')[1].split('"')[0]
    assert client.get(f"{history_url}?since={marker}").status_code == 204

    MonitorResult.objects.create(
        monitor=monitor, checked_at=timezone.now(), verdict="down", error="Connection reset"
    )
    fresh = client.get(f"{history_url}?since={marker}")
    assert fresh.status_code == 200
    body = fresh.content.decode()
    assert body.lstrip().startswith('<div class="beacon-monitor-history" id="monitor-history"')
    assert "Connection reset" in body
    assert "<html" not in body
    assert client.get(reverse("admin:monitors_monitor_recent", args=[theirs.pk])).status_code == 404


def test_the_change_history_of_a_monitor_still_opens(client, dana, make_monitor):
    monitor = make_monitor()
    client.force_login(dana)
    history = reverse("admin:monitors_monitor_history", args=[monitor.pk])
    assert history.endswith(f"/{monitor.pk}/history/")
    assert f'href="{history}"' in client.get(change_url(monitor)).content.decode()
    response = client.get(history)
    assert response.status_code == 200
    assert "Change history" in response.content.decode()


def test_junk_ids_are_not_found(client, dana):
    client.force_login(dana)
    for junk in ("abc", "999999", "1%00"):
        assert client.post(f"/admin/monitors/monitor/{junk}/check/").status_code == 404
        assert client.get(f"/admin/monitors/monitor/{junk}/recent/?since=x").status_code == 404


def test_deleting_several_at_once_gives_back_what_each_holds(client, dana, make_monitor, api):
    from components.models import StatusCause
    from components.services import set_component_statuses

    first = make_monitor(name="One")
    second = make_monitor(name="Two")
    set_component_statuses(
        page=first.page, statuses={api: "major_outage"}, actor="m", cause=StatusCause.AUTOMATION
    )
    Monitor.objects.filter(pk=first.pk).update(
        state="down", applied_status="major_outage", previous_status="operational"
    )
    client.force_login(dana)
    response = client.post(
        LIST,
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Monitor.objects.exists()
    api.refresh_from_db()
    assert api.status == "operational"
    assert AuditEntry.objects.filter(object_type="monitor", action="delete").count() == 2
