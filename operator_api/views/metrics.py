"""System metrics: their settings and their data points, in Statuspage's shapes.

Statuspage creates metrics through a metrics provider; Beacon has none, so `POST /metrics`
creates one directly (with the same fields `PATCH` takes). Data points are pushed one at a
time (`POST /metrics/{id}/data`, `{"data": {"timestamp": 1700000000, "value": 12.5}}`) or in
bulk for several metrics (`POST /metrics/data`, `{"data": {"<id>": [{...}, ...]}}`).
"""

import math
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from components.models import Component
from monitors import metrics as metric_services
from monitors.metrics import MAX_POINTS, NewPoint
from monitors.models import Metric, Monitor
from pages.models import Page

from ..documents import metric_json, point_json
from ..fields import (
    MAX_YEAR,
    MIN_YEAR,
    envelope,
    invalid,
    paginate,
    parse_or_none,
    read_bool,
    read_str,
)
from ..http import ApiError, actor_of, api_view, detail_view, one_or_404
from ..models import ApiKey

MAX_METRICS_PER_REQUEST = 100
MAX_NUMBER_CHARS = 40


def _metric(page: Page, metric_id: str) -> Metric:
    return one_or_404(Metric.objects.filter(page=page).select_related("page"), metric_id, "metric")


# Fields -----------------------------------------------------------------------------------------


def _number(value: Any, field: str) -> float:
    """A JSON number, or a number as text (form bodies); never a boolean."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid(field, "must be a number.")
    if isinstance(value, str):
        if len(value) > MAX_NUMBER_CHARS:
            raise invalid(field, f"must be a number of at most {MAX_NUMBER_CHARS} characters.")
        try:
            value = float(value.strip())
        except ValueError:
            raise invalid(field, f"“{value}” is not a number.") from None
    try:
        number = float(value)
    except OverflowError:
        raise invalid(field, "is too large.") from None
    if not math.isfinite(number):
        raise invalid(field, "must be a finite number (not NaN or infinity).")
    return number


def _optional_number(data: dict[str, Any], field: str) -> float | None:
    value = data[field]
    if value is None or value == "":
        return None
    return _number(value, field)


def _whole(data: dict[str, Any], field: str, low: int, high: int) -> int:
    number = _number(data[field], field)
    if number != int(number) or not low <= number <= high:
        raise invalid(field, f"must be a whole number from {low} to {high}.")
    return int(number)


def _timestamp(value: Any, field: str) -> datetime:
    """Unix seconds (as Statuspage takes them), or a timestamp with an offset."""
    if isinstance(value, str) and not value.strip().lstrip("-").replace(".", "", 1).isdigit():
        parsed = parse_or_none(parse_datetime, value)
        if parsed is None:
            raise invalid(field, f"“{value[:40]}” is not Unix seconds or a timestamp.")
        if parsed.tzinfo is None:
            raise invalid(field, f"“{value[:40]}” has no offset; add Z or one such as +02:00.")
    else:
        seconds = _number(value, field)
        try:
            parsed = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise invalid(field, f"{seconds:g} is not a time Beacon can store.") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise invalid(field, f"the year must be {MIN_YEAR} to {MAX_YEAR}.")
    return parsed


def _point(raw: Any, where: str) -> NewPoint:
    if not isinstance(raw, dict):
        raise ApiError(400, f"{where} must be an object with “timestamp” and “value”.")
    for field in ("timestamp", "value"):
        if raw.get(field) is None:
            raise invalid(f"{where}.{field}", "is required.")
    return NewPoint(
        timestamp=_timestamp(raw["timestamp"], f"{where}.timestamp"),
        value=_number(raw["value"], f"{where}.value"),
    )


def _page_monitor(page: Page, value: Any) -> Monitor | None:
    if value is None or value == "":
        return None
    text = str(value)
    if isinstance(value, bool) or not text.isdigit() or len(text) > 18:
        raise invalid("monitor_id", "must be a monitor's id.")
    monitor = Monitor.objects.filter(page=page, pk=int(text)).first()
    if monitor is None:
        raise invalid("monitor_id", "no such monitor on this page.")
    return monitor


def _page_component(page: Page, value: Any) -> Component | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid("component_id", "must be a component's id.")
    component = Component.objects.filter(page=page, pk=value).first()
    if component is None:
        raise invalid("component_id", "no such component on this page.")
    return component


def _fields(page: Page, data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    name = read_str(data, "name", 100)
    if name is not None:
        if not name.strip():
            raise invalid("name", "must not be blank.")
        fields["name"] = name
    for field, limit in (("suffix", 20), ("tooltip_description", 500)):
        value = read_str(data, field, limit)
        if value is not None:
            fields[field] = value
    for field in ("display", "y_axis_hidden"):
        flag = read_bool(data, field)
        if flag is not None:
            fields[field] = flag
    if data.get("decimal_places") is not None:
        fields["decimal_places"] = _whole(data, "decimal_places", 0, 4)
    if data.get("position") is not None:
        fields["position"] = _whole(data, "position", 1, 10_000)
    for field in ("y_axis_min", "y_axis_max"):
        if field in data:
            fields[field] = _optional_number(data, field)
    if "component_id" in data:
        fields["component"] = _page_component(page, data["component_id"])
    if "monitor_id" in data:
        fields["monitor"] = _page_monitor(page, data["monitor_id"])
    return fields


# Views ------------------------------------------------------------------------------------------


@api_view("GET", "POST")
def metrics(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    if request.method == "POST":
        fields = _fields(page, envelope(body, "metric"))
        if "name" not in fields:
            raise invalid("name", "is required.")
        metric = metric_services.create_metric(page=page, actor=actor_of(api_key), **fields)
        return metric_json(metric, page)
    offset, size = paginate(request)
    rows = Metric.objects.filter(page=page).order_by("position", "name", "id")
    return [metric_json(m, page) for m in rows[offset : offset + size]]


def _change(metric: Metric, body: dict[str, Any], api_key: ApiKey) -> None:
    fields = _fields(metric.page, envelope(body, "metric"))
    metric_services.update_metric(metric=metric, actor=actor_of(api_key), **fields)


def _delete(metric: Metric, api_key: ApiKey) -> dict[str, Any]:
    document = metric_json(metric, metric.page)
    metric_services.delete_metric(metric=metric, actor=actor_of(api_key))
    return document


metric_detail = detail_view(
    "metric_detail", find=_metric, show=metric_json, change=_change, delete=_delete
)


@api_view("POST", "DELETE")
def metric_data(request: HttpRequest, api_key: ApiKey, body: dict, metric_id: str) -> Any:
    page = api_key.page
    metric = _metric(page, metric_id)
    if request.method == "DELETE":
        metric_services.reset_metric_data(metric=metric, actor=actor_of(api_key))
        metric.refresh_from_db()
        return metric_json(metric, page)
    if "data" not in body:
        raise ApiError(
            400, 'Put the point under “data”, e.g. {"data": {"timestamp": …, "value": …}}.'
        )
    point = _point(body["data"], "data")
    stored = metric_services.add_points(points={metric: [point]}, now=timezone.now())
    (kept,) = stored[metric]
    return {"data": point_json(kept.timestamp, kept.value)}


@api_view("POST")
def metrics_data(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    data = body.get("data")
    if not isinstance(data, dict) or not data:
        raise ApiError(
            400, 'Put the points under “data” by metric id, e.g. {"data": {"<id>": [{…}]}}.'
        )
    if len(data) > MAX_METRICS_PER_REQUEST:
        raise invalid("data", f"names {len(data)} metrics; the limit is {MAX_METRICS_PER_REQUEST}.")
    found = {m.pk: m for m in Metric.objects.filter(page=page, pk__in=[str(k) for k in data])}
    missing = [str(k) for k in data if str(k) not in found]
    if missing:
        raise invalid("data", f"no metric {', '.join(sorted(missing)[:10])} on this page.")
    count = sum(len(v) if isinstance(v, list) else 1 for v in data.values())
    if count > MAX_POINTS:
        raise invalid("data", f"{count} data points in one request; the limit is {MAX_POINTS}.")
    points: dict[Metric, list[NewPoint]] = {}
    for metric_id, raw in data.items():
        given = raw if isinstance(raw, list) else [raw]
        points[found[str(metric_id)]] = [
            _point(item, f"data.{metric_id}[{n}]") for n, item in enumerate(given)
        ]
    stored = metric_services.add_points(points=points, now=timezone.now())
    return {
        "data": {
            metric.pk: [point_json(p.timestamp, p.value) for p in kept]
            for metric, kept in stored.items()
        }
    }
