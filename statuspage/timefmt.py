"""Every way Beacon writes a time or a duration for people and clients to read.

Each format has readers that depend on it to the byte: the Statuspage JSON contract
(statuspage-api-v2.md §9), the Atom and RSS feeds, the public pages, the emails and the admin.
The time zone is always the page's; `page.tz` is passed in, so this module knows no model.
"""

from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import format_datetime

# Zones written with a "Z", as the original service does; any other zone gets its offset.
UTC_ZONE_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}
)


def is_utc(tz: tzinfo) -> bool:
    return tz is UTC or getattr(tz, "key", None) in UTC_ZONE_NAMES


def timestamp(dt: datetime, tz: tzinfo) -> str:
    """ "2026-09-01T10:42:17.731Z" or "2022-02-15T13:21:55.183-08:00": exactly three
    fractional digits and an explicit offset, in the page's zone (statuspage-api-v2.md §9)."""
    local = dt.astimezone(tz)
    text = (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d}T"
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}.{local.microsecond // 1000:03d}"
    )
    offset = local.utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    if minutes == 0 and is_utc(tz):
        return text + "Z"
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


def iso_utc(value: datetime) -> str:
    """ "2026-11-23T13:05:00Z": `<time datetime>` and Atom's dates."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rss_time(value: datetime, tz: tzinfo) -> str:
    """RFC 822 with English names and the page zone's numeric offset."""
    return format_datetime(value.astimezone(tz))


def format_local(value: datetime, tz: tzinfo) -> str:
    """ "Nov 23, 2026 - 14:05 CET": the public pages, in the page's zone with its abbreviation."""
    local = value.astimezone(tz)
    return f"{local:%b} {local.day}, {local.year} - {local:%H:%M} {local.tzname()}"


def mail_time(value: datetime, tz: tzinfo) -> str:
    """ "23 Nov 2026, 14:05 CET": emails."""
    return value.astimezone(tz).strftime("%d %b %Y, %H:%M %Z")


def admin_time(value: datetime, tz: tzinfo) -> str:
    """ "2026-11-23 14:05 CET": the admin, where times are compared and sorted by eye."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def format_duration(delta: timedelta) -> str:
    """ "6h 28m", "2d 0h 5m", "45m"; "less than a minute" under one (the public pages)."""
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


def mail_duration(delta: timedelta) -> str:
    """ "2 h 05 min", "3 h", "40 min": the operators' reminder emails."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes:02d} min"
    return f"{hours} h" if hours else f"{minutes} min"
