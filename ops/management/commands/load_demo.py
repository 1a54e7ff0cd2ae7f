"""Fill an empty Beacon with the status page of a made-up company, 90 days of history included.

Everything is written through the service functions, as an operator would, so the demo has
the same audit rows, outbox rows and status history as real use. Past outages are entered as
backfilled incidents (they notify nobody), and their component statuses are recorded at the
time they happened so the uptime bars show them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from components import services as components
from components.models import Component, ComponentGroup, ComponentStatus
from incidents import services as incidents
from incidents.models import Incident, IncidentStatus, IncidentTemplate
from maintenance import services as maintenance
from maintenance.models import MaintenanceStatus
from pages.models import Page
from pages.services import save_page

ACTOR = "demo"
OPERATIONAL = ComponentStatus.OPERATIONAL
DEGRADED = ComponentStatus.DEGRADED_PERFORMANCE
PARTIAL = ComponentStatus.PARTIAL_OUTAGE
MAJOR = ComponentStatus.MAJOR_OUTAGE


@dataclass(frozen=True)
class Step:
    """One update of a past incident: when (minutes after it began), what and which statuses."""

    minutes: int
    status: str
    body: str
    statuses: Mapping[str, str] | None = None


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
        self.create_current_incident()
        self.create_upcoming_maintenance()
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

    def backfill_incident(
        self, *, name: str, began: datetime, steps: list[Step], postmortem: str = ""
    ) -> Incident:
        """A past incident, with its component outages recorded at the time they happened."""
        first, *rest = steps
        incident = incidents.open_incident(
            page=self.page,
            name=name,
            body=first.body,
            status=first.status,
            component_statuses=self.named(first.statuses),
            started_at=began,
            display_at=began,
            backfilled=True,
            actor=ACTOR,
        )
        self.record_history(incident, first.statuses, began)
        for step in rest:
            when = began + timedelta(minutes=step.minutes)
            incidents.post_incident_update(
                incident=incident,
                status=step.status,
                body=step.body,
                component_statuses=self.named(step.statuses),
                display_at=when,
                actor=ACTOR,
            )
            self.record_history(incident, step.statuses, when)
        if postmortem:
            incidents.publish_postmortem(
                incident=incident, body=postmortem, notify=False, actor=ACTOR
            )
        return incident

    def named(self, statuses: Mapping[str, str] | None) -> dict[Component, str]:
        return {self.c[name]: status for name, status in (statuses or {}).items()}

    def record_history(
        self, incident: Incident, statuses: Mapping[str, str] | None, when: datetime
    ) -> None:
        if statuses:
            incidents.record_backfilled_statuses(
                incident=incident, component_statuses=self.named(statuses), at=when, actor=ACTOR
            )

    def create_history(self) -> None:
        # Oldest first: each status change starts from the one before it.
        self.backfill_incident(
            name="Elevated error rates on the API",
            began=self.at(78, 14, 12),
            steps=[
                Step(
                    0,
                    IncidentStatus.INVESTIGATING,
                    "We are seeing an increased rate of 5xx responses from the API "
                    "and are investigating.",
                    {"API": PARTIAL},
                ),
                Step(
                    18,
                    IncidentStatus.IDENTIFIED,
                    "A configuration change to our load balancers removed healthy API "
                    "servers from rotation. We are rolling it back.",
                ),
                Step(
                    34,
                    IncidentStatus.MONITORING,
                    "The rollback is complete and error rates are back to normal. "
                    "We are monitoring.",
                    {"API": OPERATIONAL},
                ),
                Step(
                    65,
                    IncidentStatus.RESOLVED,
                    "This incident has been resolved. Requests that failed during the "
                    "incident can be safely retried.",
                ),
            ],
        )
        self.backfill_incident(
            name="Delayed email delivery",
            began=self.at(61, 9, 40),
            steps=[
                Step(
                    0,
                    IncidentStatus.INVESTIGATING,
                    "Some transactional emails are arriving up to 20 minutes late. "
                    "We are looking into it.",
                    {"Email": DEGRADED},
                ),
                Step(
                    45,
                    IncidentStatus.IDENTIFIED,
                    "Our email provider is throttling one of our sending domains. We have "
                    "moved traffic to a second provider; the backlog is draining.",
                ),
                Step(
                    130,
                    IncidentStatus.RESOLVED,
                    "The backlog has been delivered and emails are being sent without delay.",
                    {"Email": OPERATIONAL},
                ),
            ],
        )
        self.backfill_incident(
            name="Dashboard unavailable",
            began=self.at(44, 23, 17),
            steps=[
                Step(
                    0,
                    IncidentStatus.INVESTIGATING,
                    "The dashboard is not loading for most customers, and some API "
                    "requests are slow. We are investigating.",
                    {"Dashboard": MAJOR, "API": DEGRADED},
                ),
                Step(
                    26,
                    IncidentStatus.IDENTIFIED,
                    "The primary database failed over to a replica that had fallen behind. "
                    "We are promoting a healthy replica.",
                ),
                Step(
                    61,
                    IncidentStatus.MONITORING,
                    "The dashboard is loading again and API latency is back to normal. "
                    "We are watching the database closely.",
                    {"Dashboard": OPERATIONAL, "API": OPERATIONAL},
                ),
                Step(
                    98,
                    IncidentStatus.RESOLVED,
                    "This incident has been resolved. No data was lost. A postmortem will follow.",
                ),
            ],
            postmortem=(
                "## What happened\n\n"
                "At 23:17 the primary database of the dashboard lost its network link for "
                "40 seconds. Automatic failover promoted a replica that was 9 minutes "
                "behind, and the dashboard refused to serve stale data, so it showed errors "
                "to every customer until 00:18.\n\n"
                "## Why it took an hour\n\n"
                "The on-call engineer had to check by hand which replica was up to date. "
                "Our runbook did not cover a lagging replica being promoted.\n\n"
                "## What we are changing\n\n"
                "- Failover now only promotes a replica less than 10 seconds behind.\n"
                "- Replica lag pages the on-call engineer before it reaches one minute.\n"
                "- The runbook covers this case, and we rehearse it every quarter.\n"
            ),
        )
        self.past_maintenance()
        self.backfill_incident(
            name="Push notifications delayed on Android",
            began=self.at(19, 16, 5),
            steps=[
                Step(
                    0,
                    IncidentStatus.INVESTIGATING,
                    "Push notifications to some Android devices are delayed.",
                    {"Push notifications": PARTIAL},
                ),
                Step(
                    52,
                    IncidentStatus.MONITORING,
                    "Our push provider has fixed an issue on their side. Notifications are "
                    "flowing again and we are monitoring.",
                    {"Push notifications": OPERATIONAL},
                ),
                Step(
                    95,
                    IncidentStatus.RESOLVED,
                    "This incident has been resolved.",
                ),
            ],
        )
        self.backfill_incident(
            name="Webhook deliveries delayed",
            began=self.at(9, 11, 30),
            steps=[
                Step(
                    0,
                    IncidentStatus.IDENTIFIED,
                    "Webhook deliveries are running about 15 minutes behind after a spike "
                    "in events. We have added capacity and the queue is shrinking.",
                    {"Webhooks": DEGRADED},
                ),
                Step(
                    41,
                    IncidentStatus.RESOLVED,
                    "The queue has caught up and webhooks are delivered in real time again.",
                    {"Webhooks": OPERATIONAL},
                ),
            ],
        )

    def past_maintenance(self) -> None:
        start, end = self.at(30, 2, 0), self.at(30, 3, 30)
        m = maintenance.schedule_maintenance(
            page=self.page,
            name="Database upgrade",
            scheduled_for=start,
            scheduled_until=end,
            body="We are upgrading our primary database to a new major version. The dashboard "
            "and the API may be briefly unavailable during the window.",
            components=[self.c["API"], self.c["Dashboard"]],
            deliver_notifications=False,
            actor=ACTOR,
        )
        # It was announced a week ahead, not today.
        first = m.updates.get()
        maintenance.edit_maintenance_update(
            update=first, display_at=start - timedelta(days=7), actor=ACTOR
        )
        steps = [
            (MaintenanceStatus.IN_PROGRESS, 0, maintenance.STARTED_TEXT),
            (
                MaintenanceStatus.VERIFYING,
                55,
                "The upgrade is done and we are verifying that everything works as expected.",
            ),
            (MaintenanceStatus.COMPLETED, 72, "The scheduled maintenance has been completed."),
        ]
        for status, minutes, body in steps:
            maintenance.post_maintenance_update(
                maintenance=m,
                status=status,
                body=body,
                at=start + timedelta(minutes=minutes),
                deliver_notifications=False,
                actor=ACTOR,
            )

    def create_current_incident(self) -> None:
        api, webhooks = self.c["API"], self.c["Webhooks"]
        began = self.now - timedelta(minutes=52)
        incident = incidents.open_incident(
            page=self.page,
            name="Increased API latency and errors",
            body="We are investigating reports of slow responses and timeouts from the API.",
            component_statuses={api: DEGRADED},
            started_at=began,
            display_at=began,
            actor=ACTOR,
        )
        incidents.post_incident_update(
            incident=incident,
            status=IncidentStatus.IDENTIFIED,
            body="A storage node in our eu-west region is responding slowly, and about 8% of "
            "API requests are failing. Webhook deliveries are delayed as a result. We are "
            "moving traffic away from the node.",
            component_statuses={api: PARTIAL, webhooks: DEGRADED},
            display_at=self.now - timedelta(minutes=31),
            actor=ACTOR,
        )
        incidents.post_incident_update(
            incident=incident,
            status=IncidentStatus.MONITORING,
            body="Traffic has been moved and error rates are dropping. Webhook deliveries have "
            "caught up. Some requests are still slower than usual while caches warm up; we "
            "are monitoring.",
            component_statuses={api: DEGRADED, webhooks: OPERATIONAL},
            display_at=self.now - timedelta(minutes=9),
            actor=ACTOR,
        )

    def create_upcoming_maintenance(self) -> None:
        start = self.at(-4, 2, 0)
        maintenance.schedule_maintenance(
            page=self.page,
            name="Network upgrade in eu-west",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
            body="We are replacing core network equipment in our eu-west region. The API and "
            "webhook deliveries may see brief connection resets during the window. No action "
            "is needed on your side.",
            components=[self.c["API"], self.c["Webhooks"]],
            remind_minutes_before=60,
            actor=ACTOR,
        )
