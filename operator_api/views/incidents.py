"""Incidents and scheduled maintenance, which Statuspage serves under one `/incidents` path."""

from collections.abc import Callable
from itertools import chain
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from api.documents import page_components
from incidents import services as incident_services
from incidents.models import UNRESOLVED, Incident, IncidentStatus, IncidentUpdate
from maintenance import services as maintenance_services
from maintenance.models import ACTIVE, Maintenance, MaintenanceStatus, MaintenanceUpdate
from maintenance.services import Unset
from pages.models import Page

from ..documents import any_incident_json, update_json
from ..fields import (
    IMPACTS,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    envelope,
    invalid,
    paginate,
    read_attached,
    read_auto_start,
    read_body,
    read_bool,
    read_choice,
    read_component_statuses,
    read_date,
    read_datetime,
    read_ids,
    read_metadata,
    read_remind,
    read_reminder_intervals,
    read_str,
    read_under_maintenance,
    refuse_reminders,
)
from ..http import View, actor_of, api_view, detail_view, one_or_404
from ..models import ApiKey


def incidents_of(page: Page) -> QuerySet[Incident]:
    return (
        Incident.objects.filter(page=page)
        .select_related("page", "postmortem")
        .prefetch_related("updates", "components")
    )


def _maintenances(page: Page) -> QuerySet[Maintenance]:
    return (
        Maintenance.objects.filter(page=page)
        .select_related("page")
        .prefetch_related("updates", "components")
    )


def _find(page: Page, incident_id: str) -> Incident | Maintenance:
    found: Incident | Maintenance | None = incidents_of(page).filter(pk=incident_id).first()
    if found is None:
        found = _maintenances(page).filter(pk=incident_id).first()
    if found is None:
        raise Http404("No such incident.")
    return found


def _reload(obj: Incident | Maintenance) -> dict[str, Any]:
    page = obj.page
    return any_incident_json(_find(page, obj.pk), page.tz)


def _create_incident(page: Page, data: dict[str, Any], api_key: ApiKey) -> Incident | Maintenance:
    actor = actor_of(api_key)
    name = read_str(data, "name", 255)
    if name is None or not name.strip():
        raise invalid("name", "is required.")
    status = read_choice(data, "status", [*INCIDENT_STATUSES, *MAINTENANCE_STATUSES, ""])
    impact = read_choice(data, "impact_override", IMPACTS) or ""
    body = read_body(data) or ""
    deliver = read_bool(data, "deliver_notifications")
    deliver = True if deliver is None else deliver
    metadata = read_metadata(data)
    statuses = read_component_statuses(page, data)
    attached = read_attached(page, data) or []
    # What an incident and a maintenance are both opened with.
    story: dict[str, Any] = {
        "page": page,
        "name": name,
        "body": body,
        "actor": actor,
        "components": attached,
        "metadata": metadata,
    }
    if status in MAINTENANCE_STATUSES:
        refuse_reminders(data)
        scheduled_for = read_datetime(data, "scheduled_for")
        scheduled_until = read_datetime(data, "scheduled_until")
        if scheduled_for is None or scheduled_until is None:
            raise invalid("scheduled_for", "a maintenance needs scheduled_for and scheduled_until.")
        remind = read_remind(data)
        return maintenance_services.schedule_maintenance(
            **story,
            scheduled_for=scheduled_for,
            scheduled_until=scheduled_until,
            status=status,
            auto_start=bool(read_auto_start(data)),
            auto_complete=bool(read_bool(data, "scheduled_auto_completed")),
            set_components_under_maintenance=bool(read_under_maintenance(data)),
            remind_minutes_before=None if isinstance(remind, Unset) else remind,
            deliver_notifications=deliver,
        )
    if impact == "maintenance":
        raise invalid("impact_override", "“maintenance” applies to scheduled maintenance only.")
    story |= {
        "impact_override": impact,
        "reminder_intervals": read_reminder_intervals(data) or None,
        "component_statuses": statuses,
    }
    if read_bool(data, "backfilled"):
        # The service places a day alone at noon in the page's zone.
        started = read_datetime(data, "backfill_date") or read_date(data, "backfill_date")
        return incident_services.backfill_incident(
            **story,
            started_at=started,
            # A Beacon addition: the time the first update shows.
            display_at=read_datetime(data, "display_at"),
        )
    return incident_services.open_incident(
        **story,
        status=status or IncidentStatus.INVESTIGATING,
        # A Beacon addition: the time the first update shows, for incidents entered after the fact.
        display_at=read_datetime(data, "display_at"),
        deliver_notifications=deliver,
    )


def _change_incident(incident: Incident, data: dict[str, Any], api_key: ApiKey) -> None:
    page = incident.page
    name = read_str(data, "name", 255)
    impact = read_choice(data, "impact_override", IMPACTS)
    if impact == "maintenance":
        raise invalid("impact_override", "“maintenance” applies to scheduled maintenance only.")
    status = read_choice(data, "status", [*INCIDENT_STATUSES, ""])
    body = read_body(data)
    deliver = read_bool(data, "deliver_notifications")
    # A Beacon addition: the time the new update shows (as editing it afterwards would set).
    display_at = read_datetime(data, "display_at")
    metadata = read_metadata(data)
    reminder_intervals = read_reminder_intervals(data)
    statuses = read_component_statuses(page, data)
    attached = read_attached(page, data)
    if read_ids(data, "component_ids") is None:
        attached = None  # `components` alone sets statuses; only `component_ids` replaces
    incident_services.revise_incident(
        incident=incident,
        actor=actor_of(api_key),
        name=name,
        impact_override=impact,
        components=attached,
        metadata=metadata,
        reminder_intervals=reminder_intervals,
        status=status or None,
        body=body,
        component_statuses=statuses,
        deliver_notifications=True if deliver is None else deliver,
        display_at=display_at,
    )


def _change_maintenance(m: Maintenance, data: dict[str, Any], api_key: ApiKey) -> None:
    page = m.page
    status = read_choice(data, "status", [*MAINTENANCE_STATUSES, ""])
    body = read_body(data)
    deliver = read_bool(data, "deliver_notifications")
    metadata = read_metadata(data)
    refuse_reminders(data)
    read_choice(data, "impact_override", IMPACTS)
    attached = read_attached(page, data) if read_ids(data, "component_ids") is not None else None
    remind = read_remind(data)
    changes: dict[str, Any] = {
        "name": read_str(data, "name", 255),
        "scheduled_for": read_datetime(data, "scheduled_for"),
        "scheduled_until": read_datetime(data, "scheduled_until"),
        "components": attached,
        "auto_start": read_auto_start(data),
        "auto_complete": read_bool(data, "scheduled_auto_completed"),
        "set_components_under_maintenance": read_under_maintenance(data),
        "metadata": metadata,
        "remind_minutes_before": remind,
    }
    maintenance_services.revise_maintenance(
        maintenance=m,
        actor=actor_of(api_key),
        status=status or None,
        body=body,
        deliver_notifications=True if deliver is None else deliver,
        component_statuses=read_component_statuses(page, data),
        **changes,
    )


def _newest_first(
    incidents: QuerySet[Incident], maintenances: QuerySet[Maintenance], offset: int, size: int
) -> list[Incident | Maintenance]:
    end = offset + size
    rows: list[Incident | Maintenance] = sorted(
        chain(incidents.order_by("-created_at")[:end], maintenances.order_by("-created_at")[:end]),
        key=lambda o: o.created_at,
        reverse=True,
    )
    return rows[offset:end]


@api_view("GET", "POST")
def incidents(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    if request.method == "POST":
        created = _create_incident(page, envelope(body, "incident"), api_key)
        return _reload(created)
    offset, size = paginate(request, "limit")
    incident_rows = incidents_of(page)
    maintenance_rows = _maintenances(page)
    q = request.GET.get("q", "").strip()
    if q:
        incident_rows = incident_rows.filter(
            Q(name__icontains=q)
            | Q(status__iexact=q)
            | Q(postmortem__body__icontains=q)
            | Q(pk__in=IncidentUpdate.objects.filter(body__icontains=q).values("incident"))
        )
        maintenance_rows = maintenance_rows.filter(
            Q(name__icontains=q)
            | Q(status__iexact=q)
            | Q(pk__in=MaintenanceUpdate.objects.filter(body__icontains=q).values("maintenance"))
        )
    rows = _newest_first(incident_rows, maintenance_rows, offset, size)
    index = page_components(page)
    return [any_incident_json(row, page.tz, index) for row in rows]


def _listing(rows_of: Callable[[Page], QuerySet[Any]], name: str) -> View:
    """A GET of one kind of the page's incidents and maintenances, in the order `rows_of` gives."""

    def listing(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
        page = api_key.page
        offset, size = paginate(request)
        index = page_components(page)
        rows = rows_of(page)[offset : offset + size]
        return [any_incident_json(row, page.tz, index) for row in rows]

    listing.__name__ = listing.__qualname__ = name
    return api_view("GET")(listing)


incidents_unresolved = _listing(
    lambda page: incidents_of(page).filter(status__in=UNRESOLVED).order_by("-created_at"),
    "incidents_unresolved",
)
incidents_upcoming = _listing(
    lambda page: (
        _maintenances(page)
        .filter(status=MaintenanceStatus.SCHEDULED, cancelled_at=None)
        .order_by("scheduled_for")
    ),
    "incidents_upcoming",
)
incidents_active_maintenance = _listing(
    lambda page: _maintenances(page).filter(status__in=ACTIVE).order_by("scheduled_for"),
    "incidents_active_maintenance",
)
incidents_scheduled = _listing(
    lambda page: _maintenances(page).order_by("-scheduled_for"), "incidents_scheduled"
)


def _show(found: Incident | Maintenance, page: Page) -> dict[str, Any]:
    return any_incident_json(found, page.tz)


def _change(found: Incident | Maintenance, body: dict[str, Any], api_key: ApiKey) -> None:
    data = envelope(body, "incident")
    if isinstance(found, Maintenance):
        _change_maintenance(found, data, api_key)
    else:
        _change_incident(found, data, api_key)


def _delete(found: Incident | Maintenance, api_key: ApiKey) -> dict[str, Any]:
    document = any_incident_json(found, found.page.tz)
    actor = actor_of(api_key)
    if isinstance(found, Maintenance):
        maintenance_services.delete_maintenance(maintenance=found, actor=actor)
    else:
        incident_services.delete_incident(incident=found, actor=actor)
    return document


incident_detail = detail_view(
    "incident_detail", find=_find, show=_show, change=_change, delete=_delete
)


@api_view("PATCH", "PUT")
def incident_update_detail(
    request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str, update_id: str
) -> Any:
    page = api_key.page
    found = _find(page, incident_id)
    data = envelope(body, "incident_update")
    if "status" in data:
        raise invalid("status", "cannot be changed on an existing update.")
    text = read_body(data)
    display_at = read_datetime(data, "display_at")
    read_bool(data, "deliver_notifications")
    actor = actor_of(api_key)
    update: IncidentUpdate | MaintenanceUpdate
    if isinstance(found, Maintenance):
        update = one_or_404(found.updates.all(), update_id, "incident update")
        maintenance_services.edit_maintenance_update(
            update=update, actor=actor, body=text, display_at=display_at
        )
    else:
        update = one_or_404(found.updates.all(), update_id, "incident update")
        incident_services.edit_incident_update(
            update=update, actor=actor, body=text, display_at=display_at
        )
    update.refresh_from_db()
    return update_json(update, found.pk, page.tz)
