"""The home page's bytes stay the same for the same data and "now", however it is built.

`fixtures/home.html` is the home page of `busy_page` rendered at NOW. After a deliberate change
to the page's markup, rewrite it with BEACON_WRITE_FIXTURES=1 and review the diff.
"""

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from components.models import Component, ComponentGroup
from incidents.models import Incident, IncidentUpdate
from maintenance.models import Maintenance, MaintenanceUpdate
from pages.models import Page
from public.documents import render_home
from tests.support.scenes import add_status_changes

FIXTURE = Path(__file__).parent / "fixtures" / "home.html"
# Nov 8, 2026 13:00 in Paris; the 90-day window spans the Oct 25 change from CEST to CET.
NOW = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)
HOSTILE = "<script>&\"'"


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def add_incident(page: Page, pk: str, name: str, start: datetime, **fields: Any) -> Incident:
    return Incident.objects.create(id=pk, page=page, name=name, started_at=start, **fields)


def add_maintenance(
    page: Page, pk: str, name: str, start: datetime, end: datetime, **fields: Any
) -> Maintenance:
    return Maintenance.objects.create(
        id=pk, page=page, name=name, scheduled_for=start, scheduled_until=end, **fields
    )


def add_updates[U: (IncidentUpdate, MaintenanceUpdate)](
    model: type[U],
    rows: list[tuple[str, Incident | Maintenance, str, str, datetime]],
    edited: dict[str, datetime] | None = None,
) -> None:
    """Updates from (id, incident or maintenance, status, body, display_at) rows, as the
    database holds them: written directly, so the page shows exactly these."""
    parent = "incident" if model is IncidentUpdate else "maintenance"
    edited = edited or {}
    model.objects.bulk_create(
        model(
            id=pk,
            status=status,
            body=body,
            display_at=shown,
            edited_at=edited.get(pk),
            **{parent: story},
        )
        for pk, story, status, body, shown in rows
    )


@pytest.fixture
def busy_page(db) -> Page:
    page = Page.objects.create(
        id="busy",
        name="Busy Status",
        url="https://status.example.com",
        is_default=True,
        time_zone="Europe/Paris",
        footer_links=[{"label": "Blog", "url": "https://example.com/blog"}],
    )
    core = ComponentGroup.objects.create(
        id="core", page=page, name="Core Services", position=1, description="The main ones."
    )
    edge = ComponentGroup.objects.create(id="edge", page=page, name=f"Edge {HOSTILE}", position=2)
    started = date(2026, 1, 1)
    api, dashboard, website, hostile, cdn, _hidden, _internal = Component.objects.bulk_create(
        [
            Component(id="api", page=page, name="API", group=core, position=1, start_date=started),
            Component(
                id="dashboard",
                page=page,
                name="Dashboard",
                group=core,
                position=2,
                description="Where you log in.",
                status="degraded_performance",
                start_date=started,
            ),
            # Went live inside the window: its first days have no data.
            Component(
                id="website", page=page, name="Website", position=3, start_date=date(2026, 10, 20)
            ),
            Component(
                id="hostile",
                page=page,
                name=HOSTILE,
                position=4,
                description=f"Described as {HOSTILE}",
                status="under_maintenance",
            ),
            Component(id="cdn", page=page, name="CDN", group=edge, position=1, start_date=started),
            Component(
                id="hidden",
                page=page,
                name="Hidden when fine",
                position=5,
                only_show_if_degraded=True,
            ),
            Component(
                id="internal", page=page, name="No bars", group=edge, position=2, showcase=False
            ),
        ]
    )
    changes = [
        # Across midnight in Paris, then across the CEST to CET change.
        (api, "operational", "major_outage", at(5, 22)),
        (api, "major_outage", "operational", at(6, 0)),
        (api, "operational", "partial_outage", at(24, 23, 30, month=10)),
        (api, "partial_outage", "operational", at(25, 3, 15, month=10)),
        # Several statuses in one day, maintenance left out of the counted time.
        (dashboard, "operational", "under_maintenance", at(3, 8)),
        (dashboard, "under_maintenance", "major_outage", at(3, 10)),
        (dashboard, "major_outage", "partial_outage", at(3, 10, 1)),
        (dashboard, "partial_outage", "degraded_performance", at(3, 11, 41)),
        (dashboard, "degraded_performance", "operational", at(3, 12)),
        (dashboard, "operational", "degraded_performance", at(8, 9, 30)),
        # A long outage over several whole days, and one before the component went live.
        (website, "operational", "major_outage", at(15, 6, month=10)),
        (website, "major_outage", "operational", at(22, 7, 30, month=10)),
        (website, "operational", "partial_outage", at(1, 0, 0, month=11)),
        (website, "partial_outage", "operational", at(1, 0, 0, month=11) + timedelta(seconds=20)),
        # Its status when the window opened comes from its first change in the window.
        (hostile, "major_outage", "operational", at(20, 12, month=8)),
        (hostile, "operational", "under_maintenance", at(8, 11)),
        (cdn, "operational", "degraded_performance", at(1, 0, month=9)),
        (cdn, "degraded_performance", "operational", at(30, 23, 59, month=9)),
    ]
    add_status_changes(changes)
    active = add_incident(
        page, "active", f"Errors on {HOSTILE}", at(8, 9, 30), status="identified", impact="major"
    )
    active.components.set([dashboard, hostile])
    past = add_incident(
        page, "past", "Slow API", at(5, 22), resolved_at=at(6, 0), status="resolved", impact="minor"
    )
    past.components.set([api])
    add_updates(
        IncidentUpdate,
        [
            ("u1", active, "investigating", "Looking.", at(8, 9, 31)),
            ("u2", active, "identified", f"**Found** it: `{HOSTILE}` <b>bold</b>", at(8, 10)),
            ("u3", past, "investigating", "Slow.", at(5, 22)),
            ("u4", past, "resolved", "Fixed.", at(6, 0)),
        ],
        edited={"u2": at(8, 10, 5)},
    )
    ongoing = add_maintenance(
        page, "ongoing", "Database work", at(8, 11), at(8, 14), status="in_progress"
    )
    upcoming = add_maintenance(page, "upcoming", "Network upgrade", at(10, 6), at(10, 8))
    done = add_maintenance(
        page, "done", "Certificate renewal", at(3, 8), at(3, 10), status="completed"
    )
    ongoing.components.set([hostile])
    upcoming.components.set([api, cdn])
    done.components.set([dashboard])
    add_updates(
        MaintenanceUpdate,
        [
            ("m1", ongoing, "in_progress", "Started.", at(8, 11)),
            ("m2", upcoming, "scheduled", "Planned.", at(1, 9)),
            ("m3", done, "completed", "Done.", at(3, 10)),
        ],
    )
    return page


def test_the_home_page_is_byte_for_byte_the_stored_one(busy_page):
    html = render_home(busy_page, NOW)

    if os.environ.get("BEACON_WRITE_FIXTURES") == "1":
        FIXTURE.write_bytes(html)
    assert html == FIXTURE.read_bytes()


def test_user_text_on_the_home_page_is_escaped(busy_page):
    html = render_home(busy_page, NOW).decode()

    assert HOSTILE not in html
    assert "&lt;script&gt;&amp;&quot;&#x27;" in html
    assert 'aria-label="Uptime of &lt;script&gt;&amp;&quot;&#x27;, one bar per day' in html
