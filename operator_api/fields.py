"""Field readers of the operator API: request fields into Python values.

Each reader takes the decoded body (or its envelope) and returns a value the services take,
None when the field was not sent; anything it cannot read is an `ApiError` that names the
field (400 for the body's shape, 422 for a value), never a 500. The services decide the rest.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.dateparse import parse_date, parse_datetime

from components.models import Component, ComponentGroup, ComponentStatus
from incidents.models import (
    UPDATE_STATUSES,
    Impact,
    normalise_reminder_intervals,
    validate_metadata,
)
from maintenance.models import MaintenanceStatus
from maintenance.services import UNSET, Unset
from pages.models import Page

from .http import ApiError

# Timestamps outside these years are typing mistakes, and some break time zone arithmetic.
MIN_YEAR, MAX_YEAR = 1970, 2999
MAX_PER_PAGE = 100
COMPONENT_STATUSES = [*ComponentStatus.values, ""]
INCIDENT_STATUSES = [s.value for s in UPDATE_STATUSES]
MAINTENANCE_STATUSES = MaintenanceStatus.values
IMPACTS = [*Impact.values, "maintenance", ""]


# The body's shape -----------------------------------------------------------------------------


def envelope(body: dict[str, Any], name: str, required: bool = True) -> dict[str, Any]:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, f'Put the fields under “{name}”, e.g. {{"{name}": {{…}}}}.')
        return {}
    if not isinstance(value, dict):
        raise ApiError(400, f"“{name}” must be an object.")
    return value


# Plain values: each raises a 422 that names the field ---------------------------------------


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, f"{field}: {message}")


def read_str(data: dict[str, Any], field: str, max_length: int | None = None) -> str | None:
    if field not in data or data[field] is None:
        return None
    value = data[field]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid(field, "must be a string.")
    value = str(value)
    if "\x00" in value:
        raise invalid(field, "must not contain NUL characters.")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        # JSON's \ud800 escapes can carry these; UTF-8, and so the database, cannot.
        raise invalid(field, "must not contain a lone UTF-16 surrogate (an invalid character).")
    if max_length is not None and len(value) > max_length:
        raise invalid(field, f"is {len(value)} characters; the limit is {max_length}.")
    return value


def read_bool(data: dict[str, Any], field: str) -> bool | None:
    if field not in data or data[field] is None:
        return None
    value = data[field]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "false", "0"):
        return value.lower() in ("true", "1")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise invalid(field, "must be true or false.")


def read_choice(data: dict[str, Any], field: str, choices: list[str]) -> str | None:
    value = read_str(data, field)
    if value is not None and value not in choices:
        raise invalid(field, f"“{value}” is not one of {', '.join(c or '“”' for c in choices)}.")
    return value


def parse_or_none[T](parse: Callable[[str], T | None], text: str) -> T | None:
    """What `text` reads as, or None: Django's parse_date and parse_datetime answer None for
    some text they cannot read and raise ValueError for the rest (a 31 February)."""
    try:
        return parse(text.strip())
    except ValueError:
        return None


def _read_parsed[T](
    data: dict[str, Any], field: str, parse: Callable[[str], T | None], example: str
) -> tuple[str, T] | None:
    """(what was sent, what it reads as); None when nothing was sent."""
    value = read_str(data, field)
    if value is None or value == "":
        return None
    parsed = parse_or_none(parse, value)
    if parsed is None:
        raise invalid(field, f"“{value}” is not {example}.")
    return value, parsed


def read_datetime(data: dict[str, Any], field: str) -> datetime | None:
    read = _read_parsed(data, field, parse_datetime, "a timestamp such as 2026-09-05T02:00:00Z")
    if read is None:
        return None
    value, parsed = read
    if parsed.tzinfo is None:
        raise invalid(field, f"“{value}” has no offset; add Z or one such as +02:00.")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise invalid(field, f"“{value}” is outside the years {MIN_YEAR} to {MAX_YEAR}.")
    return parsed


def read_date(data: dict[str, Any], field: str) -> date | None:
    read = _read_parsed(data, field, parse_date, "a date such as 2026-09-05")
    return None if read is None else read[1]


def read_ids(data: dict[str, Any], field: str) -> list[str] | None:
    if field not in data or data[field] is None:
        return None
    value = data[field]
    if isinstance(value, str):
        value = [value] if value else []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(field, "must be a list of ids.")
    return list(dict.fromkeys(value))


def read_int(request: HttpRequest, name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number.") from None
    if value < minimum:
        raise ApiError(400, f"{name} must be at least {minimum}.")
    return min(value, maximum)


def paginate(request: HttpRequest, size_param: str = "per_page") -> tuple[int, int]:
    """(offset, size) from 1-based `page` and `per_page` (or `limit`)."""
    number = read_int(request, "page", 1, 1, 10**6)
    size = read_int(request, size_param, MAX_PER_PAGE, 1, MAX_PER_PAGE)
    return (number - 1) * size, size


# Components -----------------------------------------------------------------------------------


def page_components(page: Page, ids: list[str], field: str) -> list[Component]:
    """The page's components of these ids, in that order."""
    found = {c.pk: c for c in Component.objects.filter(page=page, pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise invalid(field, f"no component {', '.join(missing)} on this page.")
    return [found[i] for i in ids]


def read_group(page: Page, group_id: str | None) -> ComponentGroup | None:
    """The page's group of `group_id`; None for none (the top level)."""
    if not group_id:
        return None
    group = ComponentGroup.objects.filter(page=page, pk=group_id).first()
    if group is None:
        raise invalid("group_id", f"there is no component group “{group_id}” on this page.")
    return group


def read_name(data: dict[str, Any]) -> str | None:
    """A new name, stripped; None when none was sent. A blank one is refused."""
    name = read_str(data, "name", 100)
    if name is None:
        return None
    if not name.strip():
        raise invalid("name", "must not be blank.")
    return name.strip()


def read_component_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The attributes given, as update_component takes them."""
    fields: dict[str, Any] = {}
    name = read_name(data)
    if name is not None:
        fields["name"] = name
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


# Incidents and maintenance --------------------------------------------------------------------


def read_component_statuses(page: Page, data: dict[str, Any]) -> dict[Component, str]:
    """`components` as {component id: status}; the empty status leaves one alone."""
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
    found = page_components(page, list(wanted), "components")
    return dict(zip(found, wanted.values(), strict=True))


def read_attached(page: Page, data: dict[str, Any]) -> list[Component] | None:
    """The components named in `component_ids` and `components`, or None when neither is."""
    ids = read_ids(data, "component_ids")
    raw = data.get("components")
    if isinstance(raw, list):
        ids = list(dict.fromkeys([*(ids or []), *(read_ids(data, "components") or [])]))
    elif isinstance(raw, dict):
        ids = list(dict.fromkeys([*(ids or []), *raw]))
    if ids is None:
        return None
    return page_components(page, ids, "component_ids")


def read_metadata(data: dict[str, Any]) -> dict[str, Any] | None:
    """The given metadata (it replaces the stored object), or None when not given."""
    metadata = data.get("metadata")
    if metadata is None:
        return None
    try:
        validate_metadata(metadata)
    except ValidationError as error:
        raise invalid("metadata", " ".join(error.messages)) from None
    return dict(metadata)


def read_reminder_intervals(data: dict[str, Any]) -> str | None:
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


def refuse_reminders(data: dict[str, Any]) -> None:
    if read_reminder_intervals(data):
        raise invalid(
            "reminder_intervals", "reminders apply to realtime incidents, not to maintenance."
        )


def read_remind(data: dict[str, Any]) -> int | Unset | None:
    """`scheduled_remind_prior` as minutes before the start: an hour, none, or UNSET."""
    remind = read_bool(data, "scheduled_remind_prior")
    if remind is None:
        return UNSET
    return 60 if remind else None


def read_auto_start(data: dict[str, Any]) -> bool | None:
    value = read_bool(data, "scheduled_auto_in_progress")
    return value if value is not None else read_bool(data, "scheduled_auto_transition")


def read_under_maintenance(data: dict[str, Any]) -> bool | None:
    to_maintenance = read_bool(data, "auto_transition_to_maintenance_state")
    to_operational = read_bool(data, "auto_transition_to_operational_state")
    return to_maintenance if to_maintenance is not None else to_operational


def read_body(data: dict[str, Any]) -> str | None:
    """The update's text; blank ones are the status's default text (the services say which)."""
    return read_str(data, "body", 25_000)
