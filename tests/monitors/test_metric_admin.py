"""Metrics in the admin: made, changed and emptied through the same services as the metrics
API, scoped by page, and a bad axis is a form error."""

import pytest
from django.urls import reverse

from events.models import AuditEntry
from monitors import metrics
from monitors.models import Metric, MetricPoint

pytestmark = pytest.mark.django_db

ADD = "/admin/monitors/metric/add/"


def form_data(page, **overrides) -> dict[str, str]:
    return {
        "page": page.pk,
        "name": "API latency",
        "suffix": "ms",
        "tooltip_description": "",
        "component": "",
        "monitor": "",
        "display": "on",
        "decimal_places": "0",
        "y_axis_min": "",
        "y_axis_max": "",
        "position": "1",
    } | overrides


def test_a_page_admin_adds_a_metric_and_it_is_audited(client, dana, page):
    client.force_login(dana)

    response = client.post(ADD, form_data(page))

    assert response.status_code == 302, response.content.decode()[:2000]
    metric = Metric.objects.get(name="API latency")
    assert metric.page == page and metric.suffix == "ms"
    assert AuditEntry.objects.filter(action="create", object_id=str(metric.pk)).exists()


def test_an_axis_upside_down_is_a_form_error_and_nothing_is_saved(client, dana, page):
    client.force_login(dana)

    response = client.post(ADD, form_data(page, y_axis_min="10", y_axis_max="5"))

    assert response.status_code == 200
    assert "The y-axis maximum must be above its minimum." in response.content.decode()
    assert not Metric.objects.exists()


def test_changing_a_metric_goes_through_the_service(client, dana, page):
    metric = metrics.create_metric(page=page, actor="tests", name="Queue depth")
    client.force_login(dana)

    url = reverse("admin:monitors_metric_change", args=[metric.pk])
    response = client.post(url, form_data(page, name="Queue depth (jobs)", suffix=""))

    assert response.status_code == 302
    metric.refresh_from_db()
    assert metric.name == "Queue depth (jobs)"
    assert AuditEntry.objects.filter(action="update", object_id=str(metric.pk)).exists()


def test_resetting_empties_the_series(client, dana, page):
    metric = metrics.create_metric(page=page, actor="tests", name="Queue depth")
    MetricPoint.objects.create(metric=metric, timestamp=metric.created_at, value=3)
    client.force_login(dana)

    client.post(
        "/admin/monitors/metric/",
        {"action": "reset_data", "_selected_action": [metric.pk]},
    )

    assert not MetricPoint.objects.filter(metric=metric).exists()


def test_another_pages_metric_is_not_found(client, dana, other_page):
    metric = metrics.create_metric(page=other_page, actor="tests", name="Elsewhere")
    client.force_login(dana)

    url = reverse("admin:monitors_metric_change", args=[metric.pk])
    assert client.get(url).status_code == 404
    assert "Elsewhere" not in client.get("/admin/monitors/metric/").content.decode()
