"""Fill an empty Beacon with the status page of a made-up company, 90 days of history included.

Everything is written through the service functions, as an operator would, so the demo has
the same audit rows, outbox rows and status history as real use. Past outages are entered as
backfilled incidents (they notify nobody), and their component statuses are recorded at the
time they happened so the uptime bars show them.
"""

import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from components import services as components
from components.models import Component, ComponentGroup, ComponentStatus
from incidents import services as incidents
from incidents.models import Incident, IncidentStatus, IncidentTemplate
from maintenance import services as maintenance
from maintenance.models import Maintenance
from pages.models import Page
from pages.services import save_page

ACTOR = "demo"


# What happened on the page, oldest first, with the incident still open and the maintenance
# still to come last: data, so that the story reads without the calls that enter it.
Entry = dict[str, Any]
HISTORY: list[Entry] = tomllib.loads(
    Path(__file__).with_name("load_demo.toml").read_text(encoding="utf-8")
)["history"]


class Command(BaseCommand):
    help = "Create a demo status page with components, incidents and maintenance (empty DB only)."

    def handle(self, *args: object, **options: object) -> None:
        if Page.objects.exists():
            self.stdout.write("A page already exists; the demo was not loaded.")
            return
        with transaction.atomic():
            page = self.load()
        self.stdout.write(self.style.SUCCESS(f"Loaded the demo page “{page.name}” at {page.url}."))

    def load(self) -> Page:
        self.now = timezone.now()
        page = Page(
            name="Example Status",
            url=settings.SITE_URL,
            is_default=True,
            time_zone="Europe/Paris",
            brand_colour="#0f766e",
            support_url="https://example.com/support",
            footer_links=[
                {"label": "Documentation", "url": "https://docs.example.com"},
                {"label": "Privacy policy", "url": "https://example.com/privacy"},
            ],
        )
        save_page(page=page, actor=ACTOR)
        self.page = page
        self.today = timezone.localdate(self.now, timezone=page.tz)
        self.c = self.create_components(page)
        self.create_templates(page)
        self.create_history()
        return page

    def at(self, days_ago: int, hour: int, minute: int = 0) -> datetime:
        """A wall-clock time in the page's time zone, some days ago."""
        day: date = self.today - timedelta(days=days_ago)
        return datetime.combine(day, time(hour, minute), tzinfo=self.page.tz)

    def create_components(self, page: Page) -> dict[str, Component]:
        start = self.today - timedelta(days=120)
        core = components.create_group(
            page=page,
            name="Core Services",
            description="The API and the apps built on it.",
            actor=ACTOR,
        )
        messaging = components.create_group(
            page=page,
            name="Messaging",
            description="Notifications we send on your behalf.",
            actor=ACTOR,
        )
        # name, group, description, showcase, only_show_if_degraded
        specs: list[tuple[str, ComponentGroup | None, str, bool, bool]] = [
            ("API", core, "REST and GraphQL API at api.example.com.", True, False),
            ("Dashboard", core, "The web app at app.example.com.", True, False),
            ("Webhooks", core, "Event deliveries to your endpoints.", True, False),
            ("Email", messaging, "Transactional email.", True, False),
            ("Push notifications", messaging, "iOS and Android push notifications.", False, False),
            ("Website", None, "example.com and the documentation.", True, False),
            ("Status API", None, "The machine-readable feed of this page.", True, True),
        ]
        created = {}
        for name, group, description, showcase, only_if_degraded in specs:
            created[name] = components.create_component(
                page=page,
                name=name,
                group=group,
                description=description,
                showcase=showcase,
                only_show_if_degraded=only_if_degraded,
                start_date=start,
                actor=ACTOR,
            )
        return created

    def create_templates(self, page: Page) -> None:
        texts = [
            (
                "Investigating",
                IncidentStatus.INVESTIGATING,
                "We are investigating reports of problems with {component}. "
                "We will post an update within 30 minutes.",
            ),
            (
                "Identified",
                IncidentStatus.IDENTIFIED,
                "We have identified the cause and are working on a fix.",
            ),
            (
                "Resolved",
                IncidentStatus.RESOLVED,
                "This incident has been resolved and all systems are operating normally. "
                "We are sorry for the disruption.",
            ),
        ]
        for name, status, body in texts:
            incidents.save_incident_template(
                template=IncidentTemplate(page=page, name=name, status=status, body=body),
                actor=ACTOR,
            )

    def create_history(self) -> None:
        for entry in HISTORY:
            if entry["kind"] == "incident":
                self.enter_incident(entry)
            else:
                self.enter_maintenance(entry)

    def began(self, entry: Entry) -> datetime:
        if "began_minutes_ago" in entry:
            return self.now - timedelta(minutes=entry["began_minutes_ago"])
        return self.at(*entry["began"])

    def enter_incident(self, entry: Entry) -> Incident:
        """An incident, with its component outages recorded at the time they happened if it is
        backfilled (a backfilled incident notifies nobody)."""
        began = self.began(entry)
        backfilled: bool = entry["backfilled"]
        first, *rest = entry["step"]
        incident = incidents.open_incident(
            page=self.page,
            name=entry["name"],
            body=first["body"],
            status=first["status"],
            component_statuses=self.named(first),
            started_at=began,
            display_at=began,
            backfilled=backfilled,
            actor=ACTOR,
        )
        if backfilled:
            self.record_history(incident, first, began)
        for step in rest:
            when = began + timedelta(minutes=step["minutes"])
            incidents.post_incident_update(
                incident=incident,
                status=step["status"],
                body=step["body"],
                component_statuses=self.named(step),
                display_at=when,
                actor=ACTOR,
            )
            if backfilled:
                self.record_history(incident, step, when)
        if "postmortem" in entry:
            incidents.publish_postmortem(
                incident=incident, body=entry["postmortem"], notify=False, actor=ACTOR
            )
        return incident

    def named(self, step: Entry) -> dict[Component, str]:
        statuses = step.get("statuses", {}).items()
        return {self.c[name]: ComponentStatus(status) for name, status in statuses}

    def record_history(self, incident: Incident, step: Entry, when: datetime) -> None:
        if "statuses" in step:
            incidents.record_backfilled_statuses(
                incident=incident, component_statuses=self.named(step), at=when, actor=ACTOR
            )

    def enter_maintenance(self, entry: Entry) -> Maintenance:
        start = self.began(entry)
        notify: bool = entry["notify"]
        m = maintenance.schedule_maintenance(
            page=self.page,
            name=entry["name"],
            scheduled_for=start,
            scheduled_until=self.at(*entry["until"]),
            body=entry["body"],
            components=[self.c[name] for name in entry["components"]],
            remind_minutes_before=entry.get("remind_minutes_before"),
            deliver_notifications=notify,
            actor=ACTOR,
        )
        if "announced_days_before" in entry:
            maintenance.edit_maintenance_update(
                update=m.updates.get(),
                display_at=start - timedelta(days=entry["announced_days_before"]),
                actor=ACTOR,
            )
        for step in entry.get("step", []):
            status = step["status"]
            maintenance.post_maintenance_update(
                maintenance=m,
                status=status,
                body=step.get("body", maintenance.DEFAULT_BODIES[status]),
                at=start + timedelta(minutes=step["minutes"]),
                deliver_notifications=notify,
                actor=ACTOR,
            )
        return m
