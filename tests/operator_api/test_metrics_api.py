"""The metrics API over real HTTP: Statuspage's shapes, and a clear 4xx for every bad input."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from events.models import AuditEntry, OutboxEvent
from monitors.models import Metric, MetricPoint
from tests.support.results import make_monitor


@pytest.fixture
def metric(page) -> Metric:
    return Metric.objects.create(page=page, name="API latency", suffix="ms")


def now_seconds() -> int:
    return int(time.time())


def test_a_metric_is_created_listed_read_changed_and_deleted(operator, base, page, api):
    created = operator.post(
        f"{base}/metrics",
        {
            "metric": {
                "name": "Error rate",
                "suffix": "%",
                "decimal_places": 2,
                "component_id": api.pk,
            }
        },
    )
    assert created.status == 201, created.raw
    document = created.json
    assert document["name"] == "Error rate"
    assert (document["suffix"], document["decimal_places"]) == ("%", 2)
    assert document["display"] is True
    assert (document["y_axis_min"], document["y_axis_max"]) == (None, None)
    assert document["component_id"] == api.pk
    metric_id = document["id"]

    assert [m["id"] for m in operator.get(f"{base}/metrics.json").json] == [metric_id]
    changed = operator.request(
        "PATCH",
        f"{base}/metrics/{metric_id}",
        {"metric": {"display": False, "y_axis_min": 0, "y_axis_max": 5, "name": "Errors"}},
    )
    assert changed.status == 200, changed.raw
    assert (changed.json["display"], changed.json["y_axis_max"], changed.json["name"]) == (
        False,
        5.0,
        "Errors",
    )
    assert operator.get(f"{base}/metrics/{metric_id}/").json == changed.json

    deleted = operator.request("DELETE", f"{base}/metrics/{metric_id}")
    assert deleted.status == 200
    assert deleted.json["id"] == metric_id
    assert operator.get(f"{base}/metrics/{metric_id}").status == 404
    actions = list(
        AuditEntry.objects.filter(object_type="metric")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def test_a_data_point_is_added_in_statuspages_shape(operator, base, metric):
    stamp = now_seconds() - 60
    reply = operator.post(
        f"{base}/metrics/{metric.pk}/data.json", {"data": {"timestamp": stamp, "value": 123.5}}
    )

    assert reply.status == 201, reply.raw
    assert reply.json == {"data": {"timestamp": stamp, "value": 123.5}}
    point = MetricPoint.objects.get()
    assert point.timestamp == datetime.fromtimestamp(stamp, tz=UTC)
    assert point.value == 123.5
    assert operator.get(f"{base}/metrics/{metric.pk}").json["most_recent_data_at"] is not None


def test_a_point_for_the_same_time_replaces_the_first(operator, base, metric):
    stamp = now_seconds() - 30
    operator.post(f"{base}/metrics/{metric.pk}/data", {"data": {"timestamp": stamp, "value": 1}})
    operator.post(f"{base}/metrics/{metric.pk}/data", {"data": {"timestamp": stamp, "value": 2}})

    assert list(MetricPoint.objects.values_list("value", flat=True)) == [2.0]


def test_a_form_encoded_point_is_read_too(operator, base, metric):
    stamp = now_seconds()
    reply = operator.post(
        f"{base}/metrics/{metric.pk}/data",
        raw=f"data[timestamp]={stamp}&data[value]=42".encode(),
        content_type="application/x-www-form-urlencoded",
    )

    assert reply.status == 201, reply.raw
    assert reply.json["data"]["value"] == 42.0


def test_points_for_several_metrics_are_added_in_one_request(operator, base, page, metric):
    other = Metric.objects.create(page=page, name="Queue depth")
    stamp = now_seconds() - 120
    reply = operator.post(
        f"{base}/metrics/data",
        {
            "data": {
                metric.pk: [
                    {"timestamp": stamp, "value": 10},
                    {"timestamp": stamp + 60, "value": 12},
                ],
                other.pk: [{"timestamp": stamp, "value": 3}],
            }
        },
    )

    assert reply.status == 201, reply.raw
    assert reply.json["data"][metric.pk] == [
        {"timestamp": stamp, "value": 10.0},
        {"timestamp": stamp + 60, "value": 12.0},
    ]
    assert MetricPoint.objects.filter(metric=other).count() == 1


def test_resetting_a_metric_deletes_its_data(operator, base, metric):
    operator.post(
        f"{base}/metrics/{metric.pk}/data", {"data": {"timestamp": now_seconds(), "value": 1}}
    )

    reply = operator.request("DELETE", f"{base}/metrics/{metric.pk}/data")

    assert reply.status == 200
    assert reply.json["most_recent_data_at"] is None
    assert not MetricPoint.objects.exists()
    assert Metric.objects.filter(pk=metric.pk).exists()


def test_pushing_data_writes_no_outbox_row_but_editing_a_metric_does(operator, base, metric):
    before = OutboxEvent.objects.count()
    for n in range(3):
        operator.post(
            f"{base}/metrics/{metric.pk}/data",
            {"data": {"timestamp": now_seconds() - n, "value": n}},
        )
    assert OutboxEvent.objects.count() == before

    operator.request("PATCH", f"{base}/metrics/{metric.pk}", {"metric": {"suffix": "s"}})
    assert OutboxEvent.objects.count() == before + 1


BAD_POINTS = [
    ({"timestamp": "soon", "value": 1}, 422, "data.timestamp"),
    ({"timestamp": 1_700_000_000, "value": "fast"}, 422, "data.value"),
    ({"timestamp": 1_700_000_000, "value": True}, 422, "data.value"),
    ({"timestamp": 1_700_000_000, "value": [1]}, 422, "data.value"),
    ({"timestamp": 1_700_000_000, "value": "NaN"}, 422, "finite"),
    ({"timestamp": 1_700_000_000, "value": "1e400"}, 422, "finite"),
    ({"timestamp": 1e300, "value": 1}, 422, "data.timestamp"),
    ({"timestamp": "2026-11-08T12:00:00", "value": 1}, 422, "offset"),
    ({"value": 1}, 422, "data.timestamp: is required"),
    ("12", 400, "object"),
]


@pytest.mark.parametrize(("point", "status", "said"), BAD_POINTS)
def test_a_bad_point_is_refused_with_a_clear_message(operator, base, metric, point, status, said):
    reply = operator.post(f"{base}/metrics/{metric.pk}/data", {"data": point})

    assert reply.status == status, reply.raw
    assert said in reply.json["message"]
    assert not MetricPoint.objects.exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_literals_are_refused(operator, base, metric, literal):
    raw = f'{{"data": {{"timestamp": {now_seconds()}, "value": {literal}}}}}'.encode()

    reply = operator.post(f"{base}/metrics/{metric.pk}/data", raw=raw)

    assert reply.status == 422, reply.raw
    assert "finite" in reply.json["message"]


def test_a_point_far_in_the_future_or_older_than_the_retention_is_refused(
    operator, base, metric, settings
):
    future = operator.post(
        f"{base}/metrics/{metric.pk}/data",
        {"data": {"timestamp": now_seconds() + 3600, "value": 1}},
    )
    assert future.status == 422
    assert "in the future" in future.json["message"]

    old = now_seconds() - (settings.MONITOR_RESULT_RETENTION_DAYS + 1) * 86400
    past = operator.post(
        f"{base}/metrics/{metric.pk}/data", {"data": {"timestamp": old, "value": 1}}
    )
    assert past.status == 422
    assert f"older than {settings.MONITOR_RESULT_RETENTION_DAYS} days" in past.json["message"]


def test_a_huge_batch_is_refused_and_nothing_of_it_stored(operator, base, metric):
    stamp = now_seconds() - 4000
    points = [{"timestamp": stamp + n, "value": n} for n in range(3001)]

    reply = operator.post(f"{base}/metrics/data", {"data": {metric.pk: points}})

    assert reply.status == 422
    assert "the limit is 3000" in reply.json["message"]
    assert not MetricPoint.objects.exists()


def test_one_bad_point_in_a_batch_refuses_the_whole_batch(operator, base, metric):
    stamp = now_seconds() - 100
    points = [{"timestamp": stamp, "value": 1}, {"timestamp": stamp + 1, "value": "oops"}]

    reply = operator.post(f"{base}/metrics/data", {"data": {metric.pk: points}})

    assert reply.status == 422
    assert f"data.{metric.pk}[1].value" in reply.json["message"]
    assert not MetricPoint.objects.exists()


def test_a_batch_naming_another_pages_metric_is_refused(operator, base, other_page, metric):
    foreign = Metric.objects.create(page=other_page, name="Theirs")

    reply = operator.post(
        f"{base}/metrics/data",
        {"data": {foreign.pk: [{"timestamp": now_seconds(), "value": 1}]}},
    )

    assert reply.status == 422
    assert foreign.pk in reply.json["message"]
    assert operator.get(f"{base}/metrics/{foreign.pk}").status == 404
    assert operator.post(f"{base}/metrics/data", {"data": []}).status == 400


def test_a_metric_fed_by_a_monitor_takes_no_pushed_data(operator, base, page, api):
    monitor = make_monitor(page, api)
    created = operator.post(
        f"{base}/metrics", {"metric": {"name": "API checks", "monitor_id": str(monitor.pk)}}
    )
    assert created.status == 201, created.raw
    assert created.json["monitor_id"] == str(monitor.pk)

    reply = operator.post(
        f"{base}/metrics/{created.json['id']}/data",
        {"data": {"timestamp": now_seconds(), "value": 1}},
    )
    assert reply.status == 422
    assert "fed by a monitor" in reply.json["message"]


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({}, "name: is required"),
        ({"name": "  "}, "name"),
        ({"name": "X", "decimal_places": 9}, "decimal_places"),
        ({"name": "X", "decimal_places": "two"}, "decimal_places"),
        ({"name": "X", "y_axis_min": 10, "y_axis_max": 5}, "y_axis_max"),
        ({"name": "X", "y_axis_max": "Infinity"}, "y_axis_max"),
        ({"name": "X", "component_id": "nosuchthing"}, "component_id"),
        ({"name": "X", "monitor_id": "12345678"}, "monitor_id"),
        ({"name": "X", "monitor_id": True}, "monitor_id"),
        ({"name": "X" * 101}, "name"),
    ],
)
def test_bad_metric_settings_are_refused_with_the_field_named(operator, base, fields, said):
    reply = operator.post(f"{base}/metrics", {"metric": fields})

    assert reply.status == 422, reply.raw
    assert said in reply.json["message"]
    assert not Metric.objects.exists()


def test_the_openapi_document_lists_the_metrics_endpoints(operator):
    paths = json.loads(operator.get("/v1/openapi.json", key=None).raw)["paths"]

    for path in (
        "/pages/{page_id}/metrics",
        "/pages/{page_id}/metrics/data",
        "/pages/{page_id}/metrics/{metric_id}",
        "/pages/{page_id}/metrics/{metric_id}/data",
    ):
        assert path in paths


def test_the_chart_on_the_page_shows_pushed_points(operator, base, metric, client):
    start = datetime.now(UTC) - timedelta(minutes=30)
    operator.post(
        f"{base}/metrics/data",
        {
            "data": {
                metric.pk: [
                    {"timestamp": int((start + timedelta(minutes=n)).timestamp()), "value": 200}
                    for n in range(30)
                ]
            }
        },
    )

    html = client.get("/").content.decode()

    assert "API latency" in html
    assert "average 200 ms" in html
