"""How times and durations read on the public pages."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_local(value: datetime, tz: ZoneInfo) -> str:
    """ "Nov 23, 2026 - 14:05 CET": the page's zone, with its abbreviation."""
    local = value.astimezone(tz)
    return f"{local:%b} {local.day}, {local.year} - {local:%H:%M} {local.tzname()}"


def format_duration(delta: timedelta) -> str:
    """ "6h 28m", "2d 0h 5m", "45m"; "less than a minute" under one."""
    minutes = int(max(delta.total_seconds(), 0) // 60)
    if minutes == 0:
        return "less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days}d")
    if days or hours:
        parts.append(f"{hours}h")
    parts.append(f"{minutes}m")
    return " ".join(parts)
