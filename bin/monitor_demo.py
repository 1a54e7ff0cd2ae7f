#!/usr/bin/env python3
"""A monitor with two hours of history, for the monitor admin's screenshot (bin/screenshots).

Usage: .venv/bin/python bin/monitor_demo.py   (on a database with a page: manage.py load_demo)
Adds "API health" to the default page's first component: results from two regions with an
outage in the middle, and the transitions it caused (an incident opened, then resolved).
Prints the monitor's admin path. Running it again changes nothing.
"""

import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from incidents import services as incident_services  # noqa: E402
from monitors.editing import save_monitor  # noqa: E402
from monitors.models import (  # noqa: E402
    Monitor,
    MonitorResult,
    MonitorTransition,
    TransitionAction,
)
from pages.models import Page  # noqa: E402

NAME = "API health"


def main() -> None:
    page = Page.objects.get(is_default=True)
    monitor = Monitor.objects.filter(page=page, name=NAME).first()
    if monitor is None:
        monitor = make(page)
    print(f"/admin/monitors/monitor/{monitor.pk}/change/")


def make(page: Page) -> Monitor:
    component = page.components.order_by("position", "name").first()
    if component is None:
        raise SystemExit("The default page has no component; run manage.py load_demo first.")
    monitor = Monitor(
        page=page,
        component=component,
        name=NAME,
        target="https://93.184.215.14/health",
        interval_seconds=60,
        timeout_seconds=10,
        keyword="ok",
        degraded_latency_ms=800,
        regions=["eu-west", "us-east"],
        regions_required=2,
        open_incident=True,
    )
    save_monitor(monitor=monitor, actor="demo")
    now = timezone.now().replace(second=0, microsecond=0)
    rng = random.Random(12)
    outage = range(3, 9)  # minutes ago
    results = []
    for minutes in range(120):
        for region, offset, base in (("eu-west", 3, 90), ("us-east", 41, 160)):
            at = now - timedelta(minutes=minutes + 1) + timedelta(seconds=offset)
            if minutes in outage:
                results.append(
                    MonitorResult(
                        monitor=monitor,
                        region=region,
                        checked_at=at,
                        verdict="down",
                        status_code=503 if region == "eu-west" else None,
                        error="HTTP 503 Service Unavailable"
                        if region == "eu-west"
                        else "Timed out after 10 s",
                    )
                )
                continue
            slow = minutes in (11, 12)
            latency = base + rng.uniform(-15, 25) + (900 if slow else 0)
            results.append(
                MonitorResult(
                    monitor=monitor,
                    region=region,
                    checked_at=at,
                    verdict="degraded" if slow else "up",
                    latency_ms=latency,
                    status_code=200,
                )
            )
    MonitorResult.objects.bulk_create(results)

    started = now - timedelta(minutes=6)
    incident = incident_services.open_incident(
        page=page,
        name=f"{component.name} is not responding",
        body="Beacon's checks from eu-west and us-east fail: HTTP 503 and timeouts.",
        actor="monitor API health",
        component_statuses={component: "major_outage"},
    )
    incident_services.post_incident_update(
        incident=incident,
        status="resolved",
        body="The checks pass again from every region.",
        actor="monitor API health",
        component_statuses={component: "operational"},
    )
    log = [
        (now - timedelta(hours=2), "", "unknown", "up", TransitionAction.NONE, "", None, ""),
        (
            now - timedelta(minutes=12),
            "",
            "up",
            "degraded",
            TransitionAction.SET_STATUS,
            "degraded_performance",
            None,
            "Slower than 800 ms in 2 of 2 regions.",
        ),
        (
            now - timedelta(minutes=10),
            "",
            "degraded",
            "up",
            TransitionAction.RESTORED,
            "operational",
            None,
            "",
        ),
        (
            started,
            "",
            "up",
            "down",
            TransitionAction.OPENED_INCIDENT,
            "major_outage",
            incident,
            "3 of the last 3 checks failed in 2 of 2 regions.",
        ),
        (
            now - timedelta(minutes=1),
            "",
            "down",
            "up",
            TransitionAction.RESOLVED_INCIDENT,
            "operational",
            incident,
            "2 checks in a row passed in 2 of 2 regions.",
        ),
    ]
    MonitorTransition.objects.bulk_create(
        MonitorTransition(
            monitor=monitor,
            at=at,
            region=region,
            old_state=old,
            new_state=new,
            action=action,
            component_status=status,
            incident=inc,
            detail=detail,
        )
        for at, region, old, new, action, status, inc, detail in log
    )
    latest = max(results, key=lambda r: r.checked_at)
    Monitor.objects.filter(pk=monitor.pk).update(
        state="up",
        state_since=now - timedelta(minutes=1),
        last_checked_at=latest.checked_at,
        last_verdict="up",
        last_latency_ms=latest.latency_ms,
    )
    return monitor


if __name__ == "__main__":
    main()
