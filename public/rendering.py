"""Template contexts for the public pages: pure functions of a page's data and "now".

Nothing here looks at a request, a user, a session or a cookie, so the same output can be
served to every visitor and pre-rendered by the snapshot publisher. Every function runs a
fixed number of queries, however many components, incidents and updates the page has.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Min, Prefetch, Q
from django.http import Http404
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from components.models import Component, ComponentGroup, ComponentStatus, worst_status
from components.uptime import ComponentUptime, UptimeDay, uptime_by_component, weights
from incidents.models import UNRESOLVED, Impact, Incident, IncidentStatus, IncidentUpdate
from maintenance.models import OPEN, Maintenance, MaintenanceStatus, MaintenanceUpdate
from monitors.charts import DEFAULT_PERIOD, PERIODS, ChartSpec, monitor_series, render_chart
from monitors.charts import metric_series as metric_points
from monitors.models import Metric, Monitor
from monitors.uptime import Watch, measured_uptime, watches
from pages.models import Page
from statuspage.ids import is_public_id
from statuspage.markdown import render_markdown
from statuspage.timefmt import format_duration

from .status import OverallStatus, overall_status
from .templatetags.beacon import icon_html, time_html

PAST_DAYS = 14
MONTHS_PER_HISTORY_PAGE = 3


# Components -----------------------------------------------------------------------------------


@dataclass
class ComponentRow:
    component: Component
    # The row's `<li>`, made by component_pieces once the page's uptime figures are known.
    pieces: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.component.status


@dataclass
class GroupRow:
    group: ComponentGroup
    children: list[ComponentRow] = field(default_factory=list)

    @property
    def status(self) -> str:
        return worst_status([row.status for row in self.children])


def is_visible(component: Component) -> bool:
    return not (component.only_show_if_degraded and component.status == ComponentStatus.OPERATIONAL)


def component_tree(
    groups: list[ComponentGroup], components: list[Component]
) -> list[GroupRow | ComponentRow]:
    """Top-level rows in display order: groups (with visible children) and lone components."""
    children: dict[str, list[ComponentRow]] = defaultdict(list)
    top: list[tuple[int, str, GroupRow | ComponentRow]] = []
    for component in sorted(components, key=lambda c: (c.position, c.name)):
        if not is_visible(component):
            continue
        if component.group_id:
            children[component.group_id].append(ComponentRow(component))
        else:
            top.append((component.position, component.name, ComponentRow(component)))
    for group in groups:
        if children.get(group.pk):
            top.append((group.position, group.name, GroupRow(group, children[group.pk])))
    return [row for _, _, row in sorted(top, key=lambda item: (item[0], item[1]))]


BarKey = tuple[date, bool, tuple[tuple[str, float], ...], float, float]

# A component's row on the home page, in the pieces around its uptime bars. Built here rather
# than by a template: an include per component and a template tag per status icon were most
# of the page's render time at 1,000 components, where the row's few values are all that
# differs. Each piece is escaped where it is made.
COMPONENT_HEAD = (
    '<li class="component">\n'
    '  <div class="component-row">\n'
    '    <span class="component-name">{name}</span>\n'
    '    <span class="status status-{status}">{icon}{label}</span>\n'
    "  </div>\n"
    "  {description}\n"
    "  "
)
# A component a monitor watches links to its own page, and its bars say where they come from.
LINKED_NAME = '<a class="component-link" href="{url}">{name}</a>'
MEASURED_LABEL = "measured by checks"
COMPONENT_TAIL = "\n</li>\n"
DESCRIPTION = '<p class="description">{}</p>'
UPTIME_HEAD = (
    "\n"
    '  <div class="uptime">\n'
    '    <ol class="bars" aria-label="Uptime of {name}{source}, one bar per day, oldest first">\n'
    "      "
)
UPTIME_TAIL = (
    "\n"
    "    </ol>\n"
    '    <p class="uptime-legend">\n'
    '      <span class="wide-only">{days} days ago</span>'
    '<span class="narrow-only">30 days ago</span>\n'
    '      <span class="uptime-total">{text} uptime{source}</span>\n'
    "      <span>Today</span>\n"
    "    </p>\n"
    "  </div>\n"
    "  "
)
GROUP_HEAD = (
    "\n        \n        "
    '<li class="component group">\n'
    '          <details id="group-{pk}">\n'
    "            <summary>\n"
    '              <span class="component-name">{name}<span class="count"> ({count} component'
    "{plural})</span></span>\n"
    '              <span class="status status-{status}">{icon}{label}</span>\n'
    "            </summary>\n"
    "            {description}\n"
    '            <ul class="children">\n'
    "              "
)
GROUP_TAIL = "\n            </ul>\n          </details>\n        </li>\n        \n      "
# Around a component outside any group, as the list's template lays it out.
LONE_HEAD = "\n        \n          "
LONE_TAIL = "\n        \n      "
COMPONENT_LABELS = dict(ComponentStatus.choices)


@dataclass
class RowMarkup:
    """What the rows of one render share: the status icons and the uptime bars made so far."""

    sprite: str
    icons: dict[str, SafeString] = field(default_factory=dict)
    bars: "dict[BarKey, SafeString]" = field(default_factory=dict)
    # Components with the same history share their list of days (components/uptime.py), so
    # their bars are joined once: by the list's id, with the list kept so the id stays its own.
    joined: dict[int, tuple[list[UptimeDay], SafeString, str]] = field(default_factory=dict)
    day_bars: dict[int, tuple[UptimeDay, SafeString]] = field(default_factory=dict)

    def icon(self, status: str) -> SafeString:
        made = self.icons.get(status)
        if made is None:
            made = self.icons[status] = icon_html(status, self.sprite)
        return made

    def uptime(self, uptime: ComponentUptime) -> tuple[SafeString, str]:
        """The bars' markup and the percentage of one component's uptime."""
        made = self.joined.get(id(uptime.days))
        if made is None or made[0] is not uptime.days:
            made = (
                uptime.days,
                uptime_bars(uptime, self.bars, self.day_bars),
                uptime.percentage_text,
            )
            self.joined[id(uptime.days)] = made
        return made[1], made[2]


def component_pieces(
    component: Component,
    uptime: ComponentUptime | None,
    markup: RowMarkup,
    *,
    url: str | None = None,
    measured: bool = False,
) -> list[str]:
    """The `<li>` of one component, with its uptime bars when it has any to show.

    In pieces, so the 6 kB of a component's bars is copied once, into the page, rather than
    into the row, the group and the list on the way. The text goes through html.escape,
    which is what Django's escape() does, without the lazy-string checks format_html makes
    of every value: those were a fifth of the page's time at 1,000 components. `url` links
    the name to the component's page; `measured` says the bars come from checks.
    """
    name = escape(component.name)
    head = COMPONENT_HEAD.format(
        name=name if url is None else LINKED_NAME.format(url=escape(url), name=name),
        status=escape(component.status),
        icon=markup.icon(component.status),
        label=escape(str(COMPONENT_LABELS.get(component.status, component.status))),
        description=(
            DESCRIPTION.format(escape(component.description)) if component.description else ""
        ),
    )
    if uptime is None:
        return [head + COMPONENT_TAIL]
    bars, text = markup.uptime(uptime)
    source = f", {MEASURED_LABEL}" if measured else ""
    tail = UPTIME_TAIL.format(days=len(uptime.days), text=escape(text), source=source)
    return [head + UPTIME_HEAD.format(name=name, source=source), bars, tail + COMPONENT_TAIL]


def components_pieces(tree: list[GroupRow | ComponentRow], markup: RowMarkup) -> list[str]:
    """The `<li>`s of the home page's component list, in pieces (see Spliced)."""
    pieces = []
    for item in tree:
        if isinstance(item, ComponentRow):
            pieces += [LONE_HEAD, *item.pieces, LONE_TAIL]
            continue
        group = item.group
        status = item.status
        count = len(item.children)
        pieces.append(
            GROUP_HEAD.format(
                pk=escape(group.pk),
                name=escape(group.name),
                count=count,
                plural="" if count == 1 else "s",
                status=escape(status),
                icon=markup.icon(status),
                label=escape(str(COMPONENT_LABELS.get(status, status))),
                description=(
                    DESCRIPTION.format(escape(group.description)) if group.description else ""
                ),
            )
        )
        for child in item.children:
            pieces += child.pieces
        pieces.append(GROUP_TAIL)
    return pieces


@dataclass(eq=False)
class Spliced:
    """Markup a template shows by a marker, which `splice` replaces once the template is done.

    The component list of a page of 1,000 components is 7 MB, mostly uptime bars; passed
    through the template engine, each level of nesting (loop, condition, partial, block,
    base template) copied it twice, which took longer than making it. `pieces` are escaped
    markup, joined with the rest of the page once. The marker holds a NUL, which PostgreSQL
    never stores in text, so no page data can look like one.
    """

    pieces: list[str]

    @property
    def marker(self) -> str:
        return f"\x00spliced-{id(self)}\x00"

    def __html__(self) -> str:
        return self.marker

    __str__ = __html__


SPLICE_MARKER = re.compile("\x00spliced-([0-9]+)\x00")


def splice(rendered: str, context: dict[str, Any]) -> bytes:
    """A template's output with each Spliced value of its context in place, as UTF-8."""
    spliced = {str(id(v)): v.pieces for v in context.values() if isinstance(v, Spliced)}
    if not spliced:
        return rendered.encode()
    pieces: list[str] = []
    # Every other part is the id in a marker.
    for n, part in enumerate(SPLICE_MARKER.split(rendered)):
        if n % 2:
            pieces += spliced[part]
        else:
            pieces.append(part)
    return "".join(pieces).encode()


def uptime_bars(
    uptime: ComponentUptime,
    made: dict[BarKey, SafeString],
    by_day: dict[int, tuple[UptimeDay, SafeString]],
) -> SafeString:
    """The `<li>` bars of one component, one a day, oldest first.

    Built here rather than by a template loop: 90 bars for each of 1,000 components were
    90,000 loop turns and most of the home page's render time. A bar is a function of its
    day's figures, and most days look alike across components ("Nov 3: no downtime, 100%"),
    so `made`, shared by the components of one render, makes each distinct bar once. Most
    days are also the same object for many components (components/uptime.py): `by_day` finds
    their bar by the day's id, holding the day so that the id stays its own.
    """
    bars = []
    for day in uptime.days:
        known = by_day.get(id(day))
        if known is not None and known[0] is day:
            bars.append(known[1])
            continue
        key = (
            day.day,
            day.has_data,
            tuple(day.minutes.items()),
            day.counted_minutes,
            day.downtime_minutes,
        )
        bar = made.get(key)
        if bar is None:
            bar = made[key] = _bar(day)
        by_day[id(day)] = (day, bar)
        bars.append(bar)
    return mark_safe("".join(bars))  # each bar comes from format_html, escaped already


def _bar(day: UptimeDay) -> SafeString:
    return format_html(
        '<li class="bar bar-{}"><span class="tip">{}</span></li>', day.level, day.label
    )


def rows_of(tree: list[GroupRow | ComponentRow]) -> list[ComponentRow]:
    rows: list[ComponentRow] = []
    for item in tree:
        rows.extend(item.children if isinstance(item, GroupRow) else [item])
    return rows


# Incidents and maintenance --------------------------------------------------------------------


# Bodies up to this long are remembered once rendered, at most UPDATE_HTML_CACHED of them:
# under 10 MB at the very worst, a few hundred kB for the usual paragraph or two.
CACHED_BODY_CHARS = 2_000
UPDATE_HTML_CACHED = 2_048


@lru_cache(maxsize=UPDATE_HTML_CACHED)
def _remembered_markdown(text: str) -> SafeString:
    return render_markdown(text)


def update_html(text: str) -> SafeString:
    """An update's body as HTML. The publisher renders the same updates again after every
    event (the home page, the history, the incident page): markdown and sanitising were a
    third of the history page's time, so the HTML of a short body is kept by its text."""
    if len(text) > CACHED_BODY_CHARS:
        return render_markdown(text)
    return _remembered_markdown(text)


@dataclass
class UpdateView:
    status: str
    label: str
    source: str
    display_at: datetime
    edited_at: datetime | None

    @cached_property
    def body(self) -> SafeString:
        # Only when shown: the history page shows one update of each incident.
        return update_html(self.source)


def update_views(updates: list[Any], labels: dict[str, str]) -> list[UpdateView]:
    """Updates newest first; "Update" when an update repeats the status before it."""
    oldest_first = sorted(updates, key=lambda u: (u.display_at, u.created_at))
    views = []
    previous = None
    for update in oldest_first:
        label = "Update" if update.status == previous else labels.get(update.status, "Update")
        previous = update.status
        views.append(
            UpdateView(
                status=update.status,
                label=label,
                source=update.body,
                display_at=update.display_at,
                edited_at=update.edited_at,
            )
        )
    views.reverse()
    return views


INCIDENT_LABELS = dict(IncidentStatus.choices)
MAINTENANCE_LABELS = dict(MaintenanceStatus.choices)


def affected_summary(names: list[str]) -> str:
    """ "This incident affected API and Dashboard and 1 more component." ("" when none)."""
    if not names:
        return ""
    shown = " and ".join(names[:2])
    rest = len(names) - 2
    if rest > 0:
        shown += f" and {rest} more component{'s' if rest != 1 else ''}"
    return f"This incident affected {shown}."


def components_by_group(components: list[Component]) -> list[str]:
    """ "Core Services (API, Dashboard)", then ungrouped components by name."""
    grouped: dict[str, list[Component]] = defaultdict(list)
    groups: dict[str, ComponentGroup] = {}
    lone = []
    for component in components:
        if component.group_id and component.group is not None:
            grouped[component.group_id].append(component)
            groups[component.group_id] = component.group
        else:
            lone.append(component)
    parts = []
    for group_id in sorted(groups, key=lambda g: (groups[g].position, groups[g].name)):
        names = ", ".join(c.name for c in sorted(grouped[group_id], key=_display_key))
        parts.append(f"{groups[group_id].name} ({names})")
    parts.extend(c.name for c in sorted(lone, key=lambda c: c.name))
    return parts


def _display_key(component: Component) -> tuple[int, int, str]:
    """The order of the home page: top-level position, then position within the group."""
    if component.group_id and component.group is not None:
        return (component.group.position, component.position, component.name)
    return (component.position, 0, component.name)


@dataclass
class IncidentView:
    incident: Incident
    updates: list[UpdateView]
    summary: str
    duration: str
    postmortem: SafeString | None = None
    postmortem_at: datetime | None = None

    @property
    def latest(self) -> UpdateView | None:
        return self.updates[0] if self.updates else None

    @property
    def impact(self) -> str:
        return self.incident.effective_impact

    @property
    def impact_label(self) -> str:
        return Impact(self.impact).label


def incident_duration(incident: Incident, now: datetime) -> str:
    """ "Lasted 6h 29m" or "Ongoing for 45m", from the start and resolution times, which
    follow the times the updates display (incidents.services). Also used by the emails."""
    if incident.is_resolved and incident.resolved_at:
        return "Lasted " + format_duration(incident.resolved_at - incident.started_at)
    return "Ongoing for " + format_duration(now - incident.started_at)


def incident_view(incident: Incident, now: datetime, *, summary: bool = False) -> IncidentView:
    """Needs `updates` prefetched, and with `summary` (the affected components, which only
    the incident's own page shows) `components` with their groups."""
    components = sorted(incident.components.all(), key=_display_key) if summary else []
    return IncidentView(
        incident=incident,
        updates=update_views(list(incident.updates.all()), INCIDENT_LABELS),
        summary=affected_summary([c.name for c in components]),
        duration=incident_duration(incident, now),
    )


@dataclass
class MaintenanceView:
    maintenance: Maintenance
    updates: list[UpdateView]
    affected: list[str]

    @property
    def status_label(self) -> str:
        if self.maintenance.cancelled_at:
            return "Cancelled"
        return MaintenanceStatus(self.maintenance.status).label

    @property
    def latest(self) -> UpdateView | None:
        return self.updates[0] if self.updates else None


def maintenance_view(maintenance: Maintenance) -> MaintenanceView:
    """Needs `updates` and `components` (with groups) prefetched."""
    return MaintenanceView(
        maintenance=maintenance,
        updates=update_views(list(maintenance.updates.all()), MAINTENANCE_LABELS),
        affected=components_by_group(list(maintenance.components.all())),
    )


# JSON no list of incidents shows (the home page's, the history's): not decoded for each.
LISTED_INCIDENT_UNUSED = ("metadata", "reminded_hours")
# What a page shows of an update, and what orders them: not the affected components' JSON.
UPDATE_FIELDS = ("status", "body", "display_at", "created_at", "edited_at")


def _incident_prefetches(*, components: bool = False) -> "list[Prefetch[Any]]":
    """The incidents' updates; with `components`, their components for the summary too."""
    updates = IncidentUpdate.objects.only("incident_id", *UPDATE_FIELDS)
    prefetches: list[Prefetch[Any]] = [
        Prefetch("updates", queryset=updates.order_by("display_at", "created_at"))
    ]
    if components:
        prefetches.append(
            Prefetch("components", queryset=Component.objects.select_related("group"))
        )
    return prefetches


def _maintenance_prefetches() -> "list[Prefetch[Any]]":
    return [
        Prefetch(
            "updates", queryset=MaintenanceUpdate.objects.order_by("display_at", "created_at")
        ),
        Prefetch("components", queryset=Component.objects.select_related("group")),
    ]


# Pages ----------------------------------------------------------------------------------------


def base_context(page: Page, now: datetime) -> dict[str, Any]:
    links = [
        link
        for link in (page.footer_links or [])
        if isinstance(link, dict)
        and isinstance(link.get("label"), str)
        and str(link.get("url", "")).startswith(("https://", "http://", "mailto:"))
    ]
    return {"page": page, "tz": page.tz, "now": now, "footer_links": links}


@dataclass
class DayView:
    day: date
    incidents: list[IncidentView]
    maintenances: list[MaintenanceView]


def uptime_explanation(*, measured: bool = False) -> str:
    weight = weights()

    def pct(value: float) -> str:
        return f"{value * 100:g}%"

    return (
        f"Uptime is the share of each day's minutes without an outage, over the last "
        f"{settings.UPTIME_DAYS} days in the page's time zone. A minute of major outage counts "
        f"{pct(weight[ComponentStatus.MAJOR_OUTAGE])} as downtime, partial outage "
        f"{pct(weight[ComponentStatus.PARTIAL_OUTAGE])}, degraded performance "
        f"{pct(weight[ComponentStatus.DEGRADED_PERFORMANCE])}. Time under maintenance is not "
        f"counted at all; days before a component went live have no data."
    ) + (MEASURED_EXPLANATION if measured else "")


MEASURED_EXPLANATION = (
    " Bars marked “measured by checks” come from the checks of the component's monitors"
    " instead: the share of each hour's checks that found it down (or degraded, weighted as"
    " above) counts as downtime, and hours without checks have no data. The other bars come"
    " from the status history."
)


def home_context(page: Page, now: datetime) -> dict[str, Any]:
    tz = page.tz
    groups = list(ComponentGroup.objects.filter(page=page))
    components = list(Component.objects.filter(page=page))
    tree = component_tree(groups, components)
    rows = rows_of(tree)
    showcased = [row.component for row in rows if row.component.showcase]
    found = watches(page)
    measured = measured_uptime(showcased, found, tz=tz, now=now)
    # One component's days at a time, in the rows' order: 1,000 components are 90,000 days.
    uptimes = iter(
        uptime_by_component([c for c in showcased if c.pk not in measured], tz=tz, now=now)
    )
    markup = RowMarkup(sprite=static("img/icons.svg"))
    urls = ComponentUrls()
    watched = {watch.component_id for watch in found}
    for row in rows:
        component = row.component
        uptime = None
        if component.showcase:
            uptime = measured[component.pk] if component.pk in measured else next(uptimes)
        row.pieces = component_pieces(
            component,
            uptime,
            markup,
            url=urls(component) if component.pk in watched else None,
            measured=component.pk in measured,
        )

    today = now.astimezone(tz).date()
    past_start = datetime.combine(today - timedelta(days=PAST_DAYS - 1), time(0), tzinfo=tz)
    incidents = list(
        Incident.objects.filter(page=page)
        .filter(Q(status__in=UNRESOLVED) | Q(started_at__gte=past_start))
        .defer(*LISTED_INCIDENT_UNUSED)
        .prefetch_related(*_incident_prefetches())
        .order_by("-started_at")
    )
    active = [incident_view(i, now) for i in incidents if not i.is_resolved]
    maintenances = list(
        Maintenance.objects.filter(page=page)
        .filter(
            Q(status__in=OPEN, cancelled_at__isnull=True)
            | Q(scheduled_for__gte=past_start, scheduled_for__lte=now)
        )
        .prefetch_related(*_maintenance_prefetches())
        .order_by("scheduled_for")
    )
    in_progress = [
        maintenance_view(m)
        for m in maintenances
        if m.status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
        and not m.cancelled_at
    ]
    upcoming = [
        maintenance_view(m)
        for m in maintenances
        if m.status == MaintenanceStatus.SCHEDULED and not m.cancelled_at
    ]

    by_day: dict[date, DayView] = {
        today - timedelta(days=n): DayView(today - timedelta(days=n), [], [])
        for n in range(PAST_DAYS)
    }
    for incident in incidents:
        day = incident.started_at.astimezone(tz).date()
        if day in by_day:
            by_day[day].incidents.append(incident_view(incident, now))
    for maintenance in reversed(maintenances):
        day = maintenance.scheduled_for.astimezone(tz).date()
        if day in by_day and maintenance.status == MaintenanceStatus.COMPLETED:
            by_day[day].maintenances.append(maintenance_view(maintenance))

    status = overall_status(
        [c.status for c in components],
        [view.incident.effective_impact for view in active],
    )
    return base_context(page, now) | {
        "status": status,
        "active_incidents": active,
        "maintenance_in_progress": in_progress,
        "upcoming_maintenance": upcoming,
        "has_components": bool(tree),
        "components": Spliced(components_pieces(tree, markup)),
        "has_uptime": bool(showcased),
        "uptime_days": settings.UPTIME_DAYS,
        "uptime_explanation": uptime_explanation(measured=bool(measured)),
        "metrics": metric_charts(page, now),
        "past_days": [by_day[d] for d in sorted(by_day, reverse=True)],
    }


def incident_context(page: Page, incident_id: str, now: datetime) -> dict[str, Any]:
    if not is_public_id(incident_id):
        raise Http404("No incident with this id on this page.")
    incident = (
        Incident.objects.filter(page=page, pk=incident_id)
        .select_related("postmortem")
        .prefetch_related(*_incident_prefetches(components=True))
        .first()
    )
    if incident is None:
        raise Http404("No incident with this id on this page.")
    view = incident_view(incident, now, summary=True)
    postmortem = getattr(incident, "postmortem", None)
    if postmortem is not None and postmortem.is_published:
        view.postmortem = render_markdown(postmortem.body)
        view.postmortem_at = postmortem.published_at
    return base_context(page, now) | {"view": view, "incident": incident}


def maintenance_context(page: Page, maintenance_id: str, now: datetime) -> dict[str, Any]:
    if not is_public_id(maintenance_id):
        raise Http404("No scheduled maintenance with this id on this page.")
    maintenance = (
        Maintenance.objects.filter(page=page, pk=maintenance_id)
        .prefetch_related(*_maintenance_prefetches())
        .first()
    )
    if maintenance is None:
        raise Http404("No scheduled maintenance with this id on this page.")
    return base_context(page, now) | {
        "view": maintenance_view(maintenance),
        "maintenance": maintenance,
    }


# An incident in the history's list of a month. Built here rather than by the template for
# the same reason as the component rows: a month can list hundreds.
HISTORY_ITEM = (
    "\n"
    '    <article class="past-item impact-{impact}">\n'
    '      <h3><a href="{url}">{name}</a></h3>\n'
    "      {body}\n"
    '      <p class="meta"><span class="impact-badge">{icon}{label} impact</span>'
    " · {started} · {duration}</p>\n"
    "    </article>\n"
    "    "
)
UPDATE_BODY = '<div class="update-body">{}</div>'
IMPACT_LABELS = dict(Impact.choices)
# What reverse() leaves as it is in a path: an id made only of these is appended as it is.
PLAIN_ID = re.compile(r"^[A-Za-z0-9_-]+$")


class IncidentUrls:
    """Incident pages' URLs, reversed once a render rather than once an incident."""

    def __init__(self) -> None:
        self.prefix = reverse("public:incident", args=["-"])[:-1]

    def __call__(self, incident: Incident) -> str:
        if PLAIN_ID.match(incident.pk):
            return self.prefix + incident.pk
        return incident.get_absolute_url()


def history_item_html(
    view: IncidentView, tz: ZoneInfo, urls: IncidentUrls, markup: RowMarkup
) -> str:
    """One incident of a month on the history page (escaped; marked safe by the caller)."""
    latest = view.latest
    impact = view.impact
    return HISTORY_ITEM.format(
        impact=escape(impact),
        url=escape(urls(view.incident)),
        name=escape(view.incident.name),
        body=UPDATE_BODY.format(latest.body) if latest else "",
        icon=markup.icon(impact),
        label=escape(str(IMPACT_LABELS.get(impact, impact))),
        started=time_html(view.incident.started_at, tz),
        duration=escape(view.duration),
    )


@dataclass
class MonthView:
    first_day: date
    incidents: list[IncidentView]
    maintenances: list[MaintenanceView]
    # The incidents' `<article>`s, made by history_context.
    incidents_html: SafeString = field(default_factory=SafeString)

    @property
    def is_empty(self) -> bool:
        return not self.incidents and not self.maintenances


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def history_page_number(raw: str | None) -> int:
    """The `?page=` value; anything but a positive whole number is a 404."""
    if raw is None or raw == "":
        return 1
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise Http404("The page number must be a whole number, 1 or more.")
    return int(raw)


def history_context(page: Page, number: int, now: datetime) -> dict[str, Any]:
    """Incidents and past maintenance by month, newest month first, a few months per page."""
    tz = page.tz
    this_month = now.astimezone(tz).date().replace(day=1)
    firsts = [
        first
        for first in (
            Incident.objects.filter(page=page).aggregate(first=Min("started_at"))["first"],
            Maintenance.objects.filter(page=page, scheduled_for__lte=now).aggregate(
                first=Min("scheduled_for")
            )["first"],
        )
        if first is not None
    ]
    oldest_month = min(firsts).astimezone(tz).date().replace(day=1) if firsts else this_month
    month_count = (this_month.year - oldest_month.year) * 12 + this_month.month - oldest_month.month
    month_count = max(month_count + 1, 1)
    page_count = -(-month_count // MONTHS_PER_HISTORY_PAGE)
    if number > page_count:
        raise Http404(f"There is no page {number} of history; the last is {page_count}.")

    newest = _add_months(this_month, -(number - 1) * MONTHS_PER_HISTORY_PAGE)
    months = [
        _add_months(newest, -n)
        for n in range(MONTHS_PER_HISTORY_PAGE)
        if (number - 1) * MONTHS_PER_HISTORY_PAGE + n < month_count
    ]
    begin = datetime.combine(months[-1], time(0), tzinfo=tz)
    end = datetime.combine(_add_months(months[0], 1), time(0), tzinfo=tz)
    incidents = (
        Incident.objects.filter(page=page, started_at__gte=begin, started_at__lt=end)
        .defer(*LISTED_INCIDENT_UNUSED)
        .prefetch_related(*_incident_prefetches())
        .order_by("-started_at")
    )
    maintenances = (
        Maintenance.objects.filter(
            page=page, scheduled_for__gte=begin, scheduled_for__lt=end, scheduled_for__lte=now
        )
        .prefetch_related(*_maintenance_prefetches())
        .order_by("-scheduled_for")
    )
    by_month = {month: MonthView(month, [], []) for month in months}
    for incident in incidents:
        key = incident.started_at.astimezone(tz).date().replace(day=1)
        by_month[key].incidents.append(incident_view(incident, now))
    for maintenance in maintenances:
        key = maintenance.scheduled_for.astimezone(tz).date().replace(day=1)
        by_month[key].maintenances.append(maintenance_view(maintenance))
    urls = IncidentUrls()
    markup = RowMarkup(sprite=static("img/icons.svg"))
    for month in by_month.values():
        month.incidents_html = mark_safe(  # each item escaped by history_item_html
            "".join(history_item_html(view, tz, urls, markup) for view in month.incidents)
        )
    return base_context(page, now) | {
        "months": [by_month[m] for m in months],
        "number": number,
        "page_count": page_count,
        "newer": number - 1 if number > 1 else None,
        "older": number + 1 if number < page_count else None,
    }


# Charts and component pages ------------------------------------------------------------------

# The incidents a component's page lists, newest first.
RECENT_INCIDENTS = 10


class ComponentUrls:
    """Component pages' URLs, reversed once a render rather than once a component."""

    def __init__(self) -> None:
        self.prefix = reverse("public:component", args=["-"])[:-1]

    def __call__(self, component: Component) -> str:
        return self.prefix + component.pk


def metric_spec(metric: Metric, key: str, period_name: str, page: Page, now: datetime) -> ChartSpec:
    return ChartSpec(
        key=key,
        title=metric.name,
        period=PERIODS[period_name],
        end=now,
        tz=page.tz,
        # A monitor feeds milliseconds.
        suffix=metric.suffix or ("ms" if metric.monitor_id else ""),
        decimal_places=metric.decimal_places,
        y_min=metric.y_axis_min,
        y_max=metric.y_axis_max,
        y_hidden=metric.y_axis_hidden,
        description=metric.tooltip_description,
    )


def charts_of(
    metrics: list[Metric], page: Page, now: datetime, period_name: str = DEFAULT_PERIOD
) -> list[SafeString]:
    """The metrics' charts, in their order: two queries at most, however many there are."""
    period = PERIODS[period_name]
    fed = monitor_series([m.monitor_id for m in metrics if m.monitor_id], period, now)
    pushed = metric_points([m.pk for m in metrics if not m.monitor_id], period, now)
    return [
        render_chart(
            metric_spec(metric, f"metric-{metric.pk}", period_name, page, now),
            fed[metric.monitor_id] if metric.monitor_id else pushed[metric.pk],
        )
        for metric in metrics
    ]


def metric_charts(page: Page, now: datetime) -> list[SafeString]:
    """The home page's system metrics: the last day of each metric shown on the page."""
    metrics = list(Metric.objects.filter(page=page, display=True).order_by("position", "name"))
    return charts_of(metrics, page, now) if metrics else []


def period_name(raw: str | None) -> str | None:
    """`?period=`: None for the default (a day), Http404 for what is not a period."""
    if raw is None or raw == "" or raw == DEFAULT_PERIOD:
        return None
    if raw not in PERIODS:
        raise Http404(f"The period is one of {', '.join(PERIODS)}.")
    return raw


def component_context(
    page: Page, component_id: str, period: str | None, now: datetime
) -> dict[str, Any]:
    """A component's page: its status, uptime bars, response-time charts, recent incidents."""
    if not is_public_id(component_id):
        raise Http404("No component with this id on this page.")
    component = Component.objects.filter(page=page, pk=component_id).select_related("group").first()
    if component is None or not is_visible(component):
        raise Http404("No component with this id on this page.")
    tz = page.tz
    chosen = period or DEFAULT_PERIOD
    monitors = list(Monitor.objects.filter(component=component, enabled=True).order_by("name"))
    found = [Watch(m.pk, component.pk, m.down_status, m.degraded_status) for m in monitors]
    uptime: ComponentUptime | None = None
    measured = False
    if component.showcase:
        by_measure = measured_uptime([component], found, tz=tz, now=now)
        measured = component.pk in by_measure
        uptime = by_measure.get(component.pk) or next(
            uptime_by_component([component], tz=tz, now=now)
        )
    markup = RowMarkup(sprite=static("img/icons.svg"))
    row = component_pieces(component, uptime, markup, measured=measured)

    series = monitor_series([m.pk for m in monitors], PERIODS[chosen], now)
    charts = [
        render_chart(
            ChartSpec(
                key=f"monitor-{monitor.pk}",
                title=f"{monitor.name} response time",
                period=PERIODS[chosen],
                end=now,
                tz=tz,
            ),
            series[monitor.pk],
        )
        for monitor in monitors
    ]
    own = {m.pk for m in monitors}
    metrics = [
        metric
        for metric in Metric.objects.filter(page=page, component=component, display=True).order_by(
            "position", "name"
        )
        if metric.monitor_id not in own
    ]
    charts += charts_of(metrics, page, now, chosen) if metrics else []

    incidents = (
        Incident.objects.filter(page=page, components=component)
        .defer(*LISTED_INCIDENT_UNUSED)
        .prefetch_related(*_incident_prefetches())
        .order_by("-started_at")[:RECENT_INCIDENTS]
    )
    base = reverse("public:component", args=[component.pk])
    periods = [
        {
            "name": name,
            "label": {"day": "Day", "week": "Week", "month": "Month"}[name],
            "url": base if name == DEFAULT_PERIOD else f"{base}?period={name}",
            "current": name == chosen,
        }
        for name in PERIODS
    ]
    return base_context(page, now) | {
        "component": component,
        "status_label": COMPONENT_LABELS.get(component.status, component.status),
        "row": Spliced(row),
        "has_uptime": uptime is not None,
        "measured": measured,
        "uptime_explanation": uptime_explanation(measured=measured),
        "charts": charts,
        "has_monitor": bool(monitors),
        "periods": periods if charts else [],
        "incidents": [incident_view(incident, now) for incident in incidents],
    }


def overall(page: Page) -> OverallStatus:
    """The page's overall status on its own (two queries), for other readers such as the API."""
    statuses = Component.objects.filter(page=page).values_list("status", flat=True)
    impacts = [
        i.effective_impact
        for i in Incident.objects.filter(page=page, status__in=UNRESOLVED).only(
            "impact", "impact_override"
        )
    ]
    return overall_status(list(statuses), impacts)
