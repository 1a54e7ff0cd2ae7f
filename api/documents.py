"""The public API v2 documents (statuspage-api-v2.md): pure functions of a page's data and "now".

The object builders (`page_json`, `component_json`, `incident_json`, `maintenance_json`) are
shared with anything else that speaks Statuspage's shapes: `full_incident_json` and
`full_maintenance_json` extend them with the fields webhooks send, and the management API (v1)
extends those in turn. The
document builders (`summary_document` ...) return plain dicts; the `render_*` functions return
the bytes served, which api/routes.py puts in the snapshot store's table of public URLs.

Each document runs a fixed number of queries, however many components, incidents and updates
the page has.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.db.models import Prefetch

from components.models import Component, ComponentGroup, ComponentStatus, worst_status
from incidents.models import UNRESOLVED, Incident, IncidentUpdate, Postmortem
from maintenance.models import ACTIVE, OPEN, Maintenance, MaintenanceStatus, MaintenanceUpdate
from pages.models import Page
from public.status import OverallStatus, overall_status
from snapshots.documents import shared

from .common import page_updated_at, round_updated_at, shortlink, timestamp

__all__ = [
    "PageComponents",
    "component_json",
    "full_incident_json",
    "full_maintenance_json",
    "group_json",
    "incident_json",
    "maintenance_json",
    "page_components",
    "page_json",
    "timestamp",
    "update_json",
]

JSON_TYPE = "application/json; charset=utf-8"
LIST_LIMIT = 50
COMPONENT_STATUSES = frozenset(ComponentStatus.values)

JSONDict = dict[str, Any]


# Page -----------------------------------------------------------------------------------------


def page_json(page: Page, *, updated_at: datetime | None = None) -> JSONDict:
    """The `page` object. `updated_at` is looked up (one query) unless given."""
    if updated_at is None:
        updated_at = page_updated_at(page)
    return {
        "id": page.pk,
        "name": page.name,
        "url": page.url.rstrip("/"),
        "time_zone": page.time_zone,
        "updated_at": timestamp(updated_at, page.tz),
    }


# Components -----------------------------------------------------------------------------------


def _order_key(item: Component | ComponentGroup) -> tuple[int, str, str]:
    return (item.position, item.name, item.pk)


def _rank(items: Iterable[Component | ComponentGroup]) -> dict[str, int]:
    """1-based positions within one parent, whatever gaps or ties the stored positions have."""
    return {item.pk: n for n, item in enumerate(sorted(items, key=_order_key), start=1)}


def _description(text: str) -> str | None:
    return text or None


def component_json(component: Component, page: Page, *, position: int | None = None) -> JSONDict:
    """An ordinary component. Without `position`, its rank among its siblings is looked up."""
    if position is None:
        siblings = Component.objects.filter(page=page, group_id=component.group_id)
        if component.group_id is None:
            position = _rank([*siblings, *ComponentGroup.objects.filter(page=page)])[component.pk]
        else:
            position = _rank(siblings)[component.pk]
    return {
        "id": component.pk,
        "name": component.name,
        "status": component.status,
        "created_at": timestamp(component.created_at, page.tz),
        "updated_at": timestamp(component.updated_at, page.tz),
        "position": position,
        "description": _description(component.description),
        "showcase": component.showcase,
        "start_date": component.start_date.isoformat() if component.start_date else None,
        "group_id": component.group_id,
        "page_id": page.pk,
        "group": False,
        "only_show_if_degraded": component.only_show_if_degraded,
    }


def group_json(
    group: ComponentGroup, children: list[Component], page: Page, *, position: int
) -> JSONDict:
    """A group as Statuspage shows it: a component with `group: true`, its worst child's
    status and the ids of its children (`children` in position order)."""
    updated_at = max([group.updated_at, *(child.updated_at for child in children)])
    return {
        "id": group.pk,
        "name": group.name,
        "status": worst_status([child.status for child in children]),
        "created_at": timestamp(group.created_at, page.tz),
        "updated_at": timestamp(updated_at, page.tz),
        "position": position,
        "description": _description(group.description),
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": page.pk,
        "group": True,
        "only_show_if_degraded": False,
        "components": [child.pk for child in children],
    }


@dataclass
class PageComponents:
    """Every component and group of a page, as JSON, in the API's order."""

    ordered: list[JSONDict]
    by_id: dict[str, JSONDict]
    statuses: list[str]  # of ordinary components, for the rollup

    def of(self, components: Iterable[Component]) -> list[JSONDict]:
        """These components' JSON, in the page's order."""
        wanted = {c.pk for c in components}
        return [item for item in self.ordered if item["id"] in wanted]


def page_components(page: Page) -> PageComponents:
    """Two queries. Positions are per parent, so the flat list interleaves levels: every
    first entry (top level before group children), then every second, and so on."""
    groups = list(ComponentGroup.objects.filter(page=page))
    components = list(Component.objects.filter(page=page))
    group_ids = {g.pk for g in groups}
    children: dict[str, list[Component]] = {g.pk: [] for g in groups}
    top: list[Component | ComponentGroup] = [*groups]
    for component in sorted(components, key=_order_key):
        if component.group_id in group_ids:
            children[component.group_id].append(component)
        else:
            top.append(component)
    top_rank = _rank(top)

    entries: list[tuple[tuple[int, int, str, str], JSONDict]] = []
    for item in top:
        position = top_rank[item.pk]
        if isinstance(item, ComponentGroup):
            data = group_json(item, children[item.pk], page, position=position)
        else:
            data = component_json(item, page, position=position)
        entries.append(((position, 0, item.name, item.pk), data))
    for group in groups:
        for position, child in enumerate(children[group.pk], start=1):
            data = component_json(child, page, position=position)
            entries.append(((position, top_rank[group.pk], child.name, child.pk), data))
    ordered = [data for _, data in sorted(entries, key=lambda entry: entry[0])]
    return PageComponents(
        ordered=ordered,
        by_id={item["id"]: item for item in ordered},
        statuses=[c.status for c in components],
    )


# Incidents and maintenance --------------------------------------------------------------------


def _affected(value: Any) -> list[dict[str, str]] | None:
    """Recorded component transitions; anything not in the documented shape is left out."""
    if not isinstance(value, list):
        return None
    entries = [
        {key: entry[key] for key in ("code", "name", "old_status", "new_status")}
        for entry in value
        if isinstance(entry, dict)
        and all(isinstance(entry.get(key), str) for key in ("code", "name"))
        and entry.get("old_status") in COMPONENT_STATUSES
        and entry.get("new_status") in COMPONENT_STATUSES
    ]
    return entries or None


def update_json(update: IncidentUpdate | MaintenanceUpdate, parent_id: str, tz: tzinfo) -> JSONDict:
    return {
        "id": update.pk,
        "status": update.status,
        "body": update.body,
        "incident_id": parent_id,
        "created_at": timestamp(update.created_at, tz),
        "updated_at": timestamp(update.updated_at, tz),
        "display_at": timestamp(update.display_at, tz),
        "affected_components": _affected(update.affected_components),
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": None,
        "tweet_id": None,
    }


def _newest_first(updates: Iterable[Any]) -> list[Any]:
    return sorted(updates, key=lambda u: (u.display_at, u.created_at, u.pk), reverse=True)


def _components_of(
    item: Incident | Maintenance, page: Page, components: PageComponents | None
) -> list[JSONDict]:
    if components is None:
        components = page_components(page)
    return components.of(item.components.all())


def incident_json(
    incident: Incident, page: Page, *, components: PageComponents | None = None
) -> JSONDict:
    """An incident with its updates (newest first) and its components' current JSON.

    Prefetch `updates` and `components` when rendering many; pass `components` (from
    `page_components`) to share one lookup of the page's components.
    """
    return _incident_shape(
        incident, page, components, impact=incident.effective_impact, started_at=incident.started_at
    )


def maintenance_json(
    maintenance: Maintenance, page: Page, *, components: PageComponents | None = None
) -> JSONDict:
    """A scheduled maintenance in the incident shape, plus its window (§8)."""
    m = maintenance
    # The original service's started_at is the creation time, not the window's start.
    return _incident_shape(m, page, components, impact="maintenance", started_at=m.created_at) | {
        "scheduled_for": timestamp(m.scheduled_for, page.tz),
        "scheduled_until": timestamp(m.scheduled_until, page.tz),
    }


def _incident_shape(
    item: Incident | Maintenance,
    page: Page,
    components: PageComponents | None,
    *,
    impact: str,
    started_at: datetime,
) -> JSONDict:
    tz = page.tz
    return {
        "id": item.pk,
        "name": item.name,
        "status": item.status,
        "impact": impact,
        "created_at": timestamp(item.created_at, tz),
        "updated_at": timestamp(item.updated_at, tz),
        "monitoring_at": timestamp(item.monitoring_at, tz) if item.monitoring_at else None,
        "resolved_at": timestamp(item.resolved_at, tz) if item.resolved_at else None,
        "started_at": timestamp(started_at, tz),
        "shortlink": shortlink(page, item.pk),
        "page_id": page.pk,
        "incident_updates": [
            update_json(u, item.pk, tz) for u in _newest_first(item.updates.all())
        ],
        "components": _components_of(item, page, components),
    }


# What Statuspage's webhooks and management API add to the public object, when nothing is
# scheduled (an incident) or nothing can be written afterwards (a maintenance).
NO_SCHEDULE: JSONDict = {
    "scheduled_for": None,
    "scheduled_until": None,
    "scheduled_remind_prior": False,
    "scheduled_reminded_at": None,
    "scheduled_auto_in_progress": False,
    "scheduled_auto_completed": False,
}
NO_POSTMORTEM: JSONDict = {"postmortem_body": None, "postmortem_published_at": None}


def full_incident_json(
    incident: Incident, page: Page, *, components: PageComponents | None = None
) -> JSONDict:
    """The public incident plus the fields Statuspage's webhooks add: what a webhook sends,
    and what the management API's (v1) incident extends."""
    postmortem: Postmortem | None = getattr(incident, "postmortem", None)
    published_at = postmortem.published_at if postmortem is not None else None
    return incident_json(incident, page, components=components) | {
        "impact_override": incident.impact_override or None,
        "backfilled": incident.backfilled,
        **NO_SCHEDULE,
        "postmortem_body": postmortem.body if postmortem is not None and published_at else None,
        "postmortem_published_at": timestamp(published_at, page.tz) if published_at else None,
    }


def full_maintenance_json(
    maintenance: Maintenance, page: Page, *, components: PageComponents | None = None
) -> JSONDict:
    """The public maintenance plus the same fields as `full_incident_json`."""
    m = maintenance
    return maintenance_json(m, page, components=components) | {
        "impact_override": None,
        "backfilled": False,
        "scheduled_remind_prior": m.remind_minutes_before is not None,
        "scheduled_reminded_at": timestamp(m.reminded_at, page.tz) if m.reminded_at else None,
        "scheduled_auto_in_progress": m.auto_start,
        "scheduled_auto_completed": m.auto_complete,
        **NO_POSTMORTEM,
    }


def _incidents(page: Page) -> Any:
    return (
        Incident.objects.filter(page=page)
        .prefetch_related("updates", Prefetch("components", Component.objects.only("pk")))
        .order_by("-created_at", "-pk")
    )


def _maintenances(page: Page) -> Any:
    return Maintenance.objects.filter(page=page).prefetch_related(
        "updates", Prefetch("components", Component.objects.only("pk"))
    )


def _unresolved(page: Page) -> list[Incident]:
    return list(_incidents(page).filter(status__in=UNRESOLVED))


def _open_maintenances(page: Page, statuses: Iterable[str]) -> list[Maintenance]:
    return list(
        _maintenances(page)
        .filter(status__in=list(statuses), cancelled_at__isnull=True)
        .order_by("scheduled_for", "created_at", "pk")
    )


# What several documents show, looked up once per publish round (snapshots.documents.shared)
# and only read by them.


def _page(page: Page, now: datetime) -> JSONDict:
    return page_json(page, updated_at=round_updated_at(page, now))


def _components(page: Page, now: datetime) -> PageComponents:
    return shared("components", page, now, lambda: page_components(page))


def _round_unresolved(page: Page, now: datetime) -> list[Incident]:
    return shared("unresolved", page, now, lambda: _unresolved(page))


def _round_open(page: Page, now: datetime, statuses: Iterable[str]) -> list[Maintenance]:
    """The open maintenances (one lookup per round) in these statuses, in window order."""
    wanted = list(statuses)  # of TextChoices, which hash by name: a list compares by value
    every = shared("open_maintenances", page, now, lambda: _open_maintenances(page, OPEN))
    return [m for m in every if m.status in wanted]


# Documents ------------------------------------------------------------------------------------


def _rollup(page: Page, now: datetime) -> OverallStatus:
    """The page's overall status, from what the summary looks up (once per round)."""
    incidents = _round_unresolved(page, now)
    statuses = _components(page, now).statuses
    return overall_status(statuses, [i.effective_impact for i in incidents])


def summary_document(page: Page, now: datetime) -> JSONDict:
    components = _components(page, now)
    incidents = _round_unresolved(page, now)
    maintenances = _round_open(page, now, OPEN)
    status = _rollup(page, now)
    return {
        "page": _page(page, now),
        "components": components.ordered,
        "incidents": [incident_json(i, page, components=components) for i in incidents],
        "scheduled_maintenances": [
            maintenance_json(m, page, components=components) for m in maintenances
        ],
        "status": status.as_json(),
    }


def status_document(page: Page, now: datetime) -> JSONDict:
    return {"page": _page(page, now), "status": _rollup(page, now).as_json()}


def components_document(page: Page, now: datetime) -> JSONDict:
    return {"page": _page(page, now), "components": _components(page, now).ordered}


def incidents_document(page: Page, now: datetime) -> JSONDict:
    return _incident_list(page, now, _incidents(page)[:LIST_LIMIT])


def unresolved_incidents_document(page: Page, now: datetime) -> JSONDict:
    return _incident_list(page, now, _round_unresolved(page, now))


def maintenances_document(page: Page, now: datetime) -> JSONDict:
    ordered = _maintenances(page).order_by("-scheduled_for", "-created_at", "-pk")
    return _maintenance_list(page, now, ordered[:LIST_LIMIT])


def upcoming_maintenances_document(page: Page, now: datetime) -> JSONDict:
    return _maintenance_list(page, now, _round_open(page, now, [MaintenanceStatus.SCHEDULED]))


def active_maintenances_document(page: Page, now: datetime) -> JSONDict:
    return _maintenance_list(page, now, _round_open(page, now, ACTIVE))


def _incident_list(page: Page, now: datetime, incidents: Iterable[Incident]) -> JSONDict:
    components = _components(page, now)
    return {
        "page": _page(page, now),
        "incidents": [incident_json(i, page, components=components) for i in incidents],
    }


def _maintenance_list(page: Page, now: datetime, maintenances: Iterable[Maintenance]) -> JSONDict:
    components = _components(page, now)
    return {
        "page": _page(page, now),
        "scheduled_maintenances": [
            maintenance_json(m, page, components=components) for m in maintenances
        ],
    }


def as_json_bytes(document: JSONDict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _json_renderer(
    build: Callable[[Page, datetime], JSONDict],
) -> Callable[[Page, datetime], bytes]:
    def render(page: Page, now: datetime) -> bytes:
        return as_json_bytes(build(page, now))

    render.__name__ = render.__qualname__ = "render_" + build.__name__.removesuffix("_document")
    render.__doc__ = f"`{build.__name__}` as the UTF-8 JSON served."
    return render


render_summary = _json_renderer(summary_document)
render_status = _json_renderer(status_document)
render_components = _json_renderer(components_document)
render_incidents = _json_renderer(incidents_document)
render_unresolved_incidents = _json_renderer(unresolved_incidents_document)
render_maintenances = _json_renderer(maintenances_document)
render_upcoming_maintenances = _json_renderer(upcoming_maintenances_document)
render_active_maintenances = _json_renderer(active_maintenances_document)
