"""Components and component groups."""

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse

from api.documents import page_components as component_index
from components import services as component_services
from components.models import Component, ComponentGroup, ComponentStatus
from pages.models import Page

from ..documents import component_json, components_list, group_json
from ..fields import (
    COMPONENT_STATUSES,
    envelope,
    invalid,
    page_components,
    paginate,
    read_choice,
    read_component_fields,
    read_group,
    read_ids,
    read_name,
    read_str,
)
from ..http import actor_of, api_view, detail_view, one_or_404
from ..models import ApiKey

# Components -----------------------------------------------------------------------------------


def _component(page: Page, component_id: str) -> Component:
    rows = Component.objects.filter(page=page).select_related("page")
    return one_or_404(rows, component_id, "component")


@api_view("GET", "POST")
def components(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    if request.method == "POST":
        data = envelope(body, "component")
        fields = read_component_fields(data)
        if "name" not in fields:
            raise invalid("name", "is required.")
        status = read_choice(data, "status", COMPONENT_STATUSES) or ComponentStatus.OPERATIONAL
        group = read_group(page, read_str(data, "group_id"))
        component = component_services.create_component(
            page=page, actor=actor_of(api_key), group=group, status=status, **fields
        )
        return component_json(component, page)
    offset, size = paginate(request)
    return components_list(component_index(page))[offset : offset + size]


def _change_component(component: Component, body: dict[str, Any], api_key: ApiKey) -> None:
    data = envelope(body, "component")
    changes = read_component_fields(data)
    if "group_id" in data:
        changes["group"] = read_group(component.page, read_str(data, "group_id"))
    status = read_choice(data, "status", COMPONENT_STATUSES)
    component_services.edit_component(
        component=component, actor=actor_of(api_key), status=status or None, **changes
    )


def _delete_component(component: Component, api_key: ApiKey) -> HttpResponse:
    component_services.delete_component(component=component, actor=actor_of(api_key))
    return HttpResponse(status=204)


component_detail = detail_view(
    "component_detail",
    find=_component,
    show=component_json,
    change=_change_component,
    delete=_delete_component,
)


# Component groups -----------------------------------------------------------------------------


def _group(page: Page, group_id: str) -> ComponentGroup:
    rows = ComponentGroup.objects.filter(page=page).select_related("page")
    return one_or_404(rows, group_id, "component group")


def _children(group: ComponentGroup) -> list[Component]:
    return list(Component.objects.filter(group=group).order_by("position", "name"))


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
        members = page_components(page, ids, "components")
        group = component_services.create_group(
            page=page,
            name=name.strip(),
            description=description or "",
            components=members,
            actor=actor_of(api_key),
        )
        group.refresh_from_db()
        return group_json(group, _children(group), tz)
    offset, size = paginate(request)
    groups = ComponentGroup.objects.filter(page=page).prefetch_related(
        Prefetch("components", queryset=Component.objects.order_by("position", "name"))
    )[offset : offset + size]
    return [group_json(g, list(g.components.all()), tz) for g in groups]


def _show_group(group: ComponentGroup, page: Page) -> dict[str, Any]:
    return group_json(group, _children(group), page.tz)


def _change_group(group: ComponentGroup, body: dict[str, Any], api_key: ApiKey) -> None:
    data, description, ids = _group_data(body)
    changes: dict[str, Any] = {}
    name = read_name(data)
    if name is not None:
        changes["name"] = name
    if description is not None:
        changes["description"] = description
    members = None if ids is None else page_components(group.page, ids, "components")
    component_services.update_group(
        group=group, actor=actor_of(api_key), components=members, **changes
    )


def _delete_group(group: ComponentGroup, api_key: ApiKey) -> dict[str, Any]:
    document = _show_group(group, group.page)
    document["components"] = []
    component_services.delete_group(group=group, actor=actor_of(api_key))
    return document


component_group_detail = detail_view(
    "component_group_detail",
    find=_group,
    show=_show_group,
    change=_change_group,
    delete=_delete_group,
)
