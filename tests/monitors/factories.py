"""Monitors as the tests need them, with their schedules written directly (one per region),
and a way to run the checks that are due now, as a worker of a region would."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from components.models import Component
from monitors import scheduling
from monitors.models import Monitor, MonitorKind, MonitorSchedule
from tests.support.monitor_servers import ServiceServer


def http_monitor(
    component: Component,
    url: str,
    *,
    name: str = "",
    regions: list[str] | None = None,
    due_in: float = -1.0,
    **fields: Any,
) -> Monitor:
    monitor = Monitor.objects.create(
        page=component.page,
        component=component,
        name=name or f"{component.name} check",
        kind=MonitorKind.HTTP,
        target=url,
        interval_seconds=fields.pop("interval_seconds", 30),
        timeout_seconds=fields.pop("timeout_seconds", 5.0),
        regions=regions or [],
        **fields,
    )
    add_schedules(monitor, due_in=due_in)
    return monitor


def heartbeat_monitor(component: Component, *, interval: int = 60, grace: int = 30) -> Monitor:
    monitor = Monitor.objects.create(
        page=component.page,
        component=component,
        name=f"{component.name} job",
        kind=MonitorKind.HEARTBEAT,
        interval_seconds=interval,
        grace_seconds=grace,
    )
    add_schedules(monitor, due_in=interval + grace)
    return monitor


def add_schedules(monitor: Monitor, *, due_in: float) -> None:
    due = timezone.now() + timedelta(seconds=due_in)
    for region in monitor.region_names:
        MonitorSchedule.objects.create(monitor=monitor, region=region, next_due_at=due)


def make_due(monitor: Monitor, *, ago: float = 1.0) -> None:
    """Time passes, as far as the schedules know: the monitor is due (`ago` seconds ago)."""
    MonitorSchedule.objects.filter(monitor=monitor).update(
        next_due_at=timezone.now() - timedelta(seconds=ago)
    )


def check(monitor: Monitor, *, times: int = 1, region: str = "") -> Monitor:
    """Run the monitor's check `times` over, as a worker of `region` would, and reload it."""
    for _ in range(times):
        make_due(monitor)
        assert scheduling.run_batch(region=region) >= 1
    monitor.refresh_from_db()
    return monitor


@pytest.fixture
def service(settings, stop_at_end):
    settings.MONITOR_ALLOW_PRIVATE_TARGETS = True
    return stop_at_end(ServiceServer().start())
