"""Monitors and their results written straight to the database, as the checks would leave them."""

from datetime import datetime, timedelta

from components.models import Component
from monitors.models import Monitor, MonitorResult, Verdict
from pages.models import Page


def make_monitor(page: Page, component: Component, name: str = "API health") -> Monitor:
    return Monitor.objects.create(
        page=page, component=component, name=name, target="https://api.example.com/health"
    )


def add_results(
    monitor: Monitor,
    start: datetime,
    count: int,
    *,
    every: timedelta = timedelta(minutes=1),
    latency: float | None = 100.0,
    verdict: str = Verdict.UP,
    region: str = "",
) -> list[MonitorResult]:
    """`count` results from `start`, one each `every`, all alike."""
    return MonitorResult.objects.bulk_create(
        [
            MonitorResult(
                monitor=monitor,
                region=region,
                checked_at=start + n * every,
                verdict=verdict,
                latency_ms=latency,
            )
            for n in range(count)
        ]
    )
