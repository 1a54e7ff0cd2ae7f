"""Statuspage's management API v1 (the subset in docs/operator-api.md), over Beacon's services.

Every view is wrapped by `api_view`: key authentication, the page check, body parsing and the
error format live there. Views read through QuerySets and write only through services.
"""

from itertools import chain
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from api.documents import page_components
from components import services as component_services
from components.models import Component, ComponentGroup, ComponentStatus
from incidents import services as incident_services
from incidents.models import (
    UNRESOLVED,
    UPDATE_STATUSES,
    Impact,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    Postmortem,
    normalise_reminder_intervals,
    validate_metadata,
)
from maintenance import services as maintenance_services
from maintenance.models import ACTIVE, Maintenance, MaintenanceStatus, MaintenanceUpdate
from maintenance.services import UNSET, Unset
from pages.models import Page
from pages.services import save_page

from .documents import (
    any_incident_json,
    component_json,
    components_list,
    group_json,
    page_json,
    postmortem_json,
    update_json,
)
from .http import (
    ApiError,
    api_view,
    envelope,
    error_response,
    invalid,
    read_bool,
    read_choice,
    read_date,
    read_datetime,
    read_ids,
    read_int,
    read_str,
)
from .models import ApiKey
from .openapi import openapi_document

MAX_PER_PAGE = 100
COMPONENT_STATUSES = [*ComponentStatus.values, ""]
INCIDENT_STATUSES = [s.value for s in UPDATE_STATUSES]
MAINTENANCE_STATUSES = MaintenanceStatus.values
IMPACTS = [*Impact.values, "maintenance", ""]

DEFAULT_BODIES = {
    IncidentStatus.INVESTIGATING: "We are currently investigating this issue.",
    IncidentStatus.IDENTIFIED: "The issue has been identified and a fix is being implemented.",
    IncidentStatus.MONITORING: "A fix has been implemented and we are monitoring the results.",
    IncidentStatus.RESOLVED: "This incident has been resolved.",
    MaintenanceStatus.SCHEDULED: "Scheduled maintenance.",
    MaintenanceStatus.IN_PROGRESS: maintenance_services.STARTED_TEXT,
    MaintenanceStatus.VERIFYING: maintenance_services.VERIFYING_TEXT,
    MaintenanceStatus.COMPLETED: maintenance_services.COMPLETED_TEXT,
}


def actor_of(api_key: ApiKey) -> str:
    return f"API key “{api_key.name}”"


def paginate(request: HttpRequest, size_param: str = "per_page") -> tuple[int, int]:
    """(offset, size) from 1-based `page` and `per_page` (or `limit`)."""
    number = read_int(request, "page", 1, 1, 10**6)
    size = read_int(request, size_param, MAX_PER_PAGE, 1, MAX_PER_PAGE)
    return (number - 1) * size, size


# Pages ----------------------------------------------------------------------------------------


@api_view("GET")
def pages(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    return [page_json(api_key.page)]


PAGE_FIELDS = {"name": "name", "domain": "domain", "url": "url", "time_zone": "time_zone"}
PAGE_SWITCHES = [
    "allow_rss_atom_feeds",
    "allow_page_subscribers",
    "allow_incident_subscribers",
    "allow_email_subscribers",
    "allow_webhook_subscribers",
]


@api_view("GET", "PATCH", "PUT")
def page_detail(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    if request.method in ("PATCH", "PUT"):
        data = envelope(body, "page")
        page = Page.objects.get(pk=page.pk)
        for field, attribute in PAGE_FIELDS.items():
            value = read_str(data, field, 200)
            if value is not None:
                setattr(page, attribute, value.strip())
        for colour in ("css_blues", "css_link_color"):
            value = read_str(data, colour, 7)
            if value:
                page.brand_colour = value
        for switch in PAGE_SWITCHES:
            on = read_bool(data, switch)
            if on is not None:
                setattr(page, switch, on)
        if read_bool(data, "allow_sms_subscribers"):
            raise invalid(
                "allow_sms_subscribers", "Beacon sends no SMS, so it cannot take SMS subscribers."
            )
        save_page(page=page, actor=actor_of(api_key))
        page.refresh_from_db()
    return page_json(page)


# Components -----------------------------------------------------------------------------------


def _components(page: Page) -> QuerySet[Component]:
    return Component.objects.filter(page=page)


def _component(page: Page, component_id: str) -> Component:
    component = _components(page).filter(pk=component_id).first()
    if component is None:
        raise Http404("No such component.")
    return component


def _group_of(page: Page, group_id: str | None) -> ComponentGroup | None:
    if not group_id:
        return None
    group = ComponentGroup.objects.filter(page=page, pk=group_id).first()
    if group is None:
        raise invalid("group_id", f"there is no component group “{group_id}” on this page.")
    return group


def _component_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    name = read_str(data, "name", 100)
    if name is not None:
        if not name.strip():
            raise invalid("name", "must not be blank.")
        fields["name"] = name.strip()
    description = read_str(data, "description", 10_000)
    if description is not None:
        fields["description"] = description
    for flag in ("showcase", "only_show_if_degraded"):
        value = read_bool(data, flag)
        if value is not None:
            fields[flag] = value
    if data.get("start_date") not in (None, ""):
        fields["start_date"] = read_date(data, "start_date")
    return fields


@api_view("GET", "POST")
def components(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    if request.method == "POST":
        data = envelope(body, "component")
        fields = _component_fields(data)
        if "name" not in fields:
            raise invalid("name", "is required.")
        status = read_choice(data, "status", COMPONENT_STATUSES) or ComponentStatus.OPERATIONAL
        group = _group_of(page, read_str(data, "group_id"))
        component = component_services.create_component(
            page=page, actor=actor_of(api_key), group=group, status=status, **fields
        )
        return component_json(component, page)
    offset, size = paginate(request)
    return components_list(page_components(page))[offset : offset + size]


@api_view("GET", "PATCH", "PUT", "DELETE")
def component_detail(request: HttpRequest, api_key: ApiKey, body: dict, component_id: str) -> Any:
    page = api_key.page
    component = _component(page, component_id)
    actor = actor_of(api_key)
    if request.method == "DELETE":
        component_services.delete_component(component=component, actor=actor)
        return HttpResponse(status=204)
    if request.method in ("PATCH", "PUT"):
        data = envelope(body, "component")
        changes = _component_fields(data)
        if "group_id" in data:
            group = _group_of(page, read_str(data, "group_id"))
            if group != component.group:
                changes["group"] = group
                changes["position"] = (
                    _components(page).filter(group=group).exclude(pk=component.pk).count() + 1
                )
        status = read_choice(data, "status", COMPONENT_STATUSES)
        if changes:
            component_services.update_component(component=component, actor=actor, **changes)
        if status:
            component_services.set_component_statuses(
                page=page, statuses={component: status}, actor=actor
            )
        component.refresh_from_db()
    return component_json(component, page)


# Component groups -----------------------------------------------------------------------------


def _group(page: Page, group_id: str) -> ComponentGroup:
    group = ComponentGroup.objects.filter(page=page, pk=group_id).first()
    if group is None:
        raise Http404("No such component group.")
    return group


def _children(group: ComponentGroup) -> list[Component]:
    return list(Component.objects.filter(group=group).order_by("position", "name"))


def _set_members(group: ComponentGroup, ids: list[str], api_key: ApiKey) -> None:
    page = api_key.page
    actor = actor_of(api_key)
    found = {c.pk: c for c in _components(page).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise invalid("components", f"no component {', '.join(missing)} on this page.")
    for position, component_id in enumerate(ids, start=1):
        component_services.update_component(
            component=found[component_id], actor=actor, group=group, position=position
        )
    top_level = _components(page).filter(group=None).count() + page.groups.count()
    for component in _components(page).filter(group=group).exclude(pk__in=ids):
        top_level += 1
        component_services.update_component(
            component=component, actor=actor, group=None, position=top_level
        )


def _group_data(body: dict[str, Any]) -> tuple[dict[str, Any], str | None, list[str] | None]:
    data = envelope(body, "component_group")
    description = read_str(body, "description", 10_000)
    if description is None:
        description = read_str(data, "description", 10_000)
    return data, description, read_ids(data, "components")


@api_view("GET", "POST")
def component_groups(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    tz = page.tz
    if request.method == "POST":
        data, description, ids = _group_data(body)
        name = read_str(data, "name", 100)
        if not name or not name.strip():
            raise invalid("name", "is required.")
        if ids is None:
            raise invalid("components", "is required: a list of component ids.")
        group = component_services.create_group(
            page=page, name=name.strip(), description=description or "", actor=actor_of(api_key)
        )
        _set_members(group, ids, api_key)
        group.refresh_from_db()
        return group_json(group, _children(group), tz)
    offset, size = paginate(request)
    groups = ComponentGroup.objects.filter(page=page).prefetch_related(
        Prefetch("components", queryset=Component.objects.order_by("position", "name"))
    )[offset : offset + size]
    return [group_json(g, list(g.components.all()), tz) for g in groups]


@api_view("GET", "PATCH", "PUT", "DELETE")
def component_group_detail(request: HttpRequest, api_key: ApiKey, body: dict, group_id: str) -> Any:
    page = api_key.page
    group = _group(page, group_id)
    actor = actor_of(api_key)
    if request.method == "DELETE":
        document = group_json(group, _children(group), page.tz)
        document["components"] = []
        component_services.delete_group(group=group, actor=actor)
        return document
    if request.method in ("PATCH", "PUT"):
        data, description, ids = _group_data(body)
        changes: dict[str, Any] = {}
        name = read_str(data, "name", 100)
        if name is not None:
            if not name.strip():
                raise invalid("name", "must not be blank.")
            changes["name"] = name.strip()
        if description is not None:
            changes["description"] = description
        if changes:
            component_services.update_group(group=group, actor=actor, **changes)
        if ids is not None:
            _set_members(group, ids, api_key)
        group.refresh_from_db()
    return group_json(group, _children(group), page.tz)


# Incidents and maintenance --------------------------------------------------------------------


def _incidents(page: Page) -> QuerySet[Incident]:
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
    found: Incident | Maintenance | None = _incidents(page).filter(pk=incident_id).first()
    if found is None:
        found = _maintenances(page).filter(pk=incident_id).first()
    if found is None:
        raise Http404("No such incident.")
    return found


def _reload(obj: Incident | Maintenance) -> dict[str, Any]:
    page = obj.page
    return any_incident_json(_find(page, obj.pk), page.tz)


def _component_map(page: Page, data: dict[str, Any]) -> dict[Component, str]:
    raw = data.get("components")
    if raw is None:
        return {}
    if isinstance(raw, list):
        # The spec's own form example sends incident[components][]=ID: read it as component_ids.
        return {}
    if not isinstance(raw, dict):
        raise invalid("components", "must be an object of {component id: status}.")
    wanted: dict[str, str] = {}
    for component_id, status in raw.items():
        if not isinstance(status, str) or status not in COMPONENT_STATUSES:
            raise invalid(
                "components",
                f"“{status}” for {component_id} is not one of {', '.join(ComponentStatus.values)}.",
            )
        if status:
            wanted[component_id] = status
    found = {c.pk: c for c in _components(page).filter(pk__in=list(wanted))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise invalid("components", f"no component {', '.join(missing)} on this page.")
    return {found[i]: status for i, status in wanted.items()}


def _attached(page: Page, data: dict[str, Any]) -> list[Component] | None:
    ids = read_ids(data, "component_ids")
    raw = data.get("components")
    if isinstance(raw, list):
        ids = list(dict.fromkeys([*(ids or []), *(read_ids(data, "components") or [])]))
    elif isinstance(raw, dict):
        ids = list(dict.fromkeys([*(ids or []), *raw]))
    if ids is None:
        return None
    found = {c.pk: c for c in _components(page).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise invalid("component_ids", f"no component {', '.join(missing)} on this page.")
    return [found[i] for i in ids]


def _metadata(data: dict[str, Any]) -> dict[str, Any] | None:
    """The given metadata (it replaces the stored object), or None when not given."""
    metadata = data.get("metadata")
    if metadata is None:
        return None
    try:
        validate_metadata(metadata)
    except ValidationError as error:
        raise invalid("metadata", " ".join(error.messages)) from None
    return dict(metadata)


def _reminder_intervals(data: dict[str, Any]) -> str | None:
    """The given schedule, "" for null (the default hours), or None when not given."""
    if "reminder_intervals" not in data:
        return None
    if data["reminder_intervals"] is None:
        return ""
    value = read_str(data, "reminder_intervals", 200) or ""
    try:
        normalise_reminder_intervals(value)
    except ValidationError as error:
        raise invalid("reminder_intervals", " ".join(error.messages)) from None
    return value


def _no_reminders_on_maintenance(data: dict[str, Any]) -> None:
    if _reminder_intervals(data):
        raise invalid(
            "reminder_intervals", "reminders apply to realtime incidents, not to maintenance."
        )


def _remind(data: dict[str, Any]) -> int | Unset | None:
    remind = read_bool(data, "scheduled_remind_prior")
    if remind is None:
        return UNSET
    return 60 if remind else None


def _auto_start(data: dict[str, Any]) -> bool | None:
    value = read_bool(data, "scheduled_auto_in_progress")
    return value if value is not None else read_bool(data, "scheduled_auto_transition")


def _under_maintenance(data: dict[str, Any]) -> bool | None:
    to_maintenance = read_bool(data, "auto_transition_to_maintenance_state")
    to_operational = read_bool(data, "auto_transition_to_operational_state")
    return to_maintenance if to_maintenance is not None else to_operational


def _body(data: dict[str, Any]) -> str | None:
    return read_str(data, "body", 25_000)


def _create_incident(page: Page, data: dict[str, Any], api_key: ApiKey) -> Incident | Maintenance:
    actor = actor_of(api_key)
    name = read_str(data, "name", 255)
    if name is None or not name.strip():
        raise invalid("name", "is required.")
    status = read_choice(data, "status", [*INCIDENT_STATUSES, *MAINTENANCE_STATUSES, ""])
    impact = read_choice(data, "impact_override", IMPACTS) or ""
    body = _body(data)
    deliver = read_bool(data, "deliver_notifications")
    deliver = True if deliver is None else deliver
    metadata = _metadata(data)
    statuses = _component_map(page, data)
    attached = _attached(page, data) or []
    if status in MAINTENANCE_STATUSES:
        _no_reminders_on_maintenance(data)
        scheduled_for = read_datetime(data, "scheduled_for")
        scheduled_until = read_datetime(data, "scheduled_until")
        if scheduled_for is None or scheduled_until is None:
            raise invalid("scheduled_for", "a maintenance needs scheduled_for and scheduled_until.")
        remind = _remind(data)
        auto_start = _auto_start(data)
        auto_complete = read_bool(data, "scheduled_auto_completed")
        under_maintenance = _under_maintenance(data)
        maintenance = maintenance_services.schedule_maintenance(
            page=page,
            name=name,
            scheduled_for=scheduled_for,
            scheduled_until=scheduled_until,
            body=body or DEFAULT_BODIES[MaintenanceStatus.SCHEDULED],
            actor=actor,
            components=attached,
            auto_start=bool(auto_start),
            auto_complete=bool(auto_complete),
            set_components_under_maintenance=bool(under_maintenance),
            remind_minutes_before=None if isinstance(remind, Unset) else remind,
            deliver_notifications=deliver,
            metadata=metadata,
        )
        if status != MaintenanceStatus.SCHEDULED:
            maintenance_services.post_maintenance_update(
                maintenance=maintenance,
                status=status,
                body=DEFAULT_BODIES[MaintenanceStatus(status)],
                actor=actor,
                deliver_notifications=deliver,
            )
        return maintenance
    if impact == "maintenance":
        raise invalid("impact_override", "“maintenance” applies to scheduled maintenance only.")
    reminder_intervals = _reminder_intervals(data)
    backfilled = bool(read_bool(data, "backfilled"))
    started_at = None
    if backfilled:
        if statuses:
            raise invalid("components", "a backfilled incident cannot change components.")
        started_at = read_datetime(data, "backfill_date")
        if started_at is None:
            backfill_day = read_date(data, "backfill_date")
            if backfill_day is not None:
                from datetime import datetime, time

                started_at = datetime.combine(backfill_day, time(12), tzinfo=page.tz)
    # A Beacon addition: the time the first update shows, for incidents entered after the fact.
    display_at = read_datetime(data, "display_at")
    status = status or IncidentStatus.INVESTIGATING
    if backfilled and status != IncidentStatus.RESOLVED:
        status = IncidentStatus.RESOLVED
    incident = incident_services.open_incident(
        page=page,
        name=name,
        body=body or DEFAULT_BODIES[IncidentStatus(status)],
        actor=actor,
        status=status,
        component_statuses=statuses,
        impact_override=impact,
        started_at=started_at,
        display_at=display_at,
        deliver_notifications=deliver,
        backfilled=backfilled,
        metadata=metadata,
        reminder_intervals=reminder_intervals or None,
    )
    extra = [c for c in attached if c not in statuses]
    if extra:
        incident_services.change_incident(
            incident=incident, actor=actor, components=[*statuses, *extra]
        )
    return incident


def _change_incident(incident: Incident, data: dict[str, Any], api_key: ApiKey) -> None:
    page = incident.page
    actor = actor_of(api_key)
    name = read_str(data, "name", 255)
    impact = read_choice(data, "impact_override", IMPACTS)
    if impact == "maintenance":
        raise invalid("impact_override", "“maintenance” applies to scheduled maintenance only.")
    status = read_choice(data, "status", [*INCIDENT_STATUSES, ""])
    body = _body(data)
    deliver = read_bool(data, "deliver_notifications")
    # A Beacon addition: the time the new update shows (as editing it afterwards would set).
    display_at = read_datetime(data, "display_at")
    metadata = _metadata(data)
    reminder_intervals = _reminder_intervals(data)
    statuses = _component_map(page, data)
    attached = _attached(page, data)
    if read_ids(data, "component_ids") is None:
        attached = None
    details = (name, impact, attached, metadata, reminder_intervals)
    if any(value is not None for value in details):
        incident_services.change_incident(
            incident=incident,
            actor=actor,
            name=name,
            impact_override=impact,
            components=attached,
            metadata=metadata,
            reminder_intervals=reminder_intervals,
        )
    if status or body is not None:
        incident.refresh_from_db()
        current = IncidentStatus.RESOLVED if incident.is_resolved else incident.status
        new_status = IncidentStatus(status or current)
        incident_services.post_incident_update(
            incident=incident,
            status=new_status,
            body=body or DEFAULT_BODIES.get(new_status, "Update."),
            actor=actor,
            component_statuses=statuses,
            deliver_notifications=True if deliver is None else deliver,
            display_at=display_at,
            reopen=incident.is_resolved and new_status in UNRESOLVED,
        )
    elif statuses:
        component_services.set_component_statuses(page=page, statuses=statuses, actor=actor)


def _change_maintenance(m: Maintenance, data: dict[str, Any], api_key: ApiKey) -> None:
    page = m.page
    actor = actor_of(api_key)
    status = read_choice(data, "status", [*MAINTENANCE_STATUSES, ""])
    body = _body(data)
    deliver = read_bool(data, "deliver_notifications")
    metadata = _metadata(data)
    _no_reminders_on_maintenance(data)
    read_choice(data, "impact_override", IMPACTS)
    attached = _attached(page, data) if read_ids(data, "component_ids") is not None else None
    remind = _remind(data)
    changes: dict[str, Any] = {
        "name": read_str(data, "name", 255),
        "scheduled_for": read_datetime(data, "scheduled_for"),
        "scheduled_until": read_datetime(data, "scheduled_until"),
        "components": attached,
        "auto_start": _auto_start(data),
        "auto_complete": read_bool(data, "scheduled_auto_completed"),
        "set_components_under_maintenance": _under_maintenance(data),
        "metadata": metadata,
    }
    if not isinstance(remind, Unset):
        changes["remind_minutes_before"] = remind
    if any(v is not None for k, v in changes.items() if k != "remind_minutes_before") or (
        "remind_minutes_before" in changes
    ):
        maintenance_services.change_maintenance(maintenance=m, actor=actor, **changes)
    if status or body is not None:
        m.refresh_from_db()
        new_status = MaintenanceStatus(status or m.status)
        maintenance_services.post_maintenance_update(
            maintenance=m,
            status=new_status,
            body=body or DEFAULT_BODIES[new_status],
            actor=actor,
            deliver_notifications=True if deliver is None else deliver,
        )
    statuses = _component_map(page, data)
    if statuses:
        component_services.set_component_statuses(page=page, statuses=statuses, actor=actor)


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
    incident_rows = _incidents(page)
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


def _listing(request: HttpRequest, rows: QuerySet[Any], page: Page) -> list[dict[str, Any]]:
    offset, size = paginate(request)
    index = page_components(page)
    return [any_incident_json(row, page.tz, index) for row in rows[offset : offset + size]]


@api_view("GET")
def incidents_unresolved(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    rows = _incidents(page).filter(status__in=UNRESOLVED).order_by("-created_at")
    return _listing(request, rows, page)


@api_view("GET")
def incidents_upcoming(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    rows = _maintenances(page).filter(status=MaintenanceStatus.SCHEDULED, cancelled_at=None)
    return _listing(request, rows.order_by("scheduled_for"), page)


@api_view("GET")
def incidents_active_maintenance(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    rows = _maintenances(page).filter(status__in=ACTIVE).order_by("scheduled_for")
    return _listing(request, rows, page)


@api_view("GET")
def incidents_scheduled(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    return _listing(request, _maintenances(page).order_by("-scheduled_for"), page)


@api_view("GET", "PATCH", "PUT", "DELETE")
def incident_detail(request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str) -> Any:
    page = api_key.page
    found = _find(page, incident_id)
    actor = actor_of(api_key)
    if request.method == "DELETE":
        document = any_incident_json(found, page.tz)
        if isinstance(found, Maintenance):
            maintenance_services.delete_maintenance(maintenance=found, actor=actor)
        else:
            incident_services.delete_incident(incident=found, actor=actor)
        return document
    if request.method in ("PATCH", "PUT"):
        data = envelope(body, "incident")
        if isinstance(found, Maintenance):
            _change_maintenance(found, data, api_key)
        else:
            _change_incident(found, data, api_key)
        return _reload(found)
    return any_incident_json(found, page.tz)


@api_view("PATCH", "PUT")
def incident_update_detail(
    request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str, update_id: str
) -> Any:
    page = api_key.page
    found = _find(page, incident_id)
    data = envelope(body, "incident_update")
    if "status" in data:
        raise invalid("status", "cannot be changed on an existing update.")
    text = _body(data)
    display_at = read_datetime(data, "display_at")
    read_bool(data, "deliver_notifications")
    actor = actor_of(api_key)
    update: IncidentUpdate | MaintenanceUpdate | None
    if isinstance(found, Maintenance):
        update = MaintenanceUpdate.objects.filter(maintenance=found, pk=update_id).first()
        if update is None:
            raise Http404("No such incident update.")
        maintenance_services.edit_maintenance_update(
            update=update, actor=actor, body=text, display_at=display_at
        )
    else:
        update = IncidentUpdate.objects.filter(incident=found, pk=update_id).first()
        if update is None:
            raise Http404("No such incident update.")
        incident_services.edit_incident_update(
            update=update, actor=actor, body=text, display_at=display_at
        )
    update.refresh_from_db()
    return update_json(update, found.pk, page.tz)


# Postmortems ----------------------------------------------------------------------------------


def _realtime(page: Page, incident_id: str) -> Incident:
    incident = _incidents(page).filter(pk=incident_id).first()
    if incident is None:
        if Maintenance.objects.filter(page=page, pk=incident_id).exists():
            raise ApiError(422, "Scheduled maintenance has no postmortem.")
        raise Http404("No such incident.")
    return incident


def _postmortem_of(incident: Incident) -> Postmortem:
    postmortem = Postmortem.objects.filter(incident=incident).first()
    if postmortem is None:
        raise Http404("This incident has no postmortem yet.")
    return postmortem


@api_view("GET", "PUT", "DELETE")
def postmortem(request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str) -> Any:
    page = api_key.page
    incident = _realtime(page, incident_id)
    actor = actor_of(api_key)
    if request.method == "DELETE":
        _postmortem_of(incident)
        incident_services.delete_postmortem(incident=incident, actor=actor)
        return HttpResponse(status=204)
    if request.method == "PUT":
        data = envelope(body, "postmortem")
        draft = read_str(data, "body_draft", 25_000)
        if draft is None or not draft.strip():
            raise invalid("body_draft", "is required.")
        incident_services.save_postmortem(incident=incident, body=draft, actor=actor)
    return postmortem_json(_postmortem_of(incident), page.tz)


@api_view("PUT")
def postmortem_publish(request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str) -> Any:
    page = api_key.page
    incident = _realtime(page, incident_id)
    data = envelope(body, "postmortem", required=False)
    notify = read_bool(data, "notify_subscribers")
    read_bool(data, "notify_twitter")
    read_str(data, "custom_tweet")
    incident_services.publish_postmortem(
        incident=incident, actor=actor_of(api_key), notify=bool(notify)
    )
    document = postmortem_json(_postmortem_of(incident), page.tz)
    document["notify_subscribers"] = bool(notify)
    return document


@api_view("PUT")
def postmortem_revert(request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str) -> Any:
    page = api_key.page
    incident = _realtime(page, incident_id)
    postmortem = _postmortem_of(incident)
    incident_services.unpublish_postmortem(incident=incident, actor=actor_of(api_key))
    postmortem.refresh_from_db()
    return postmortem_json(postmortem, page.tz)


# The description of all of the above ----------------------------------------------------------


def openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(openapi_document(request.build_absolute_uri("/v1")))


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "No such endpoint.")
