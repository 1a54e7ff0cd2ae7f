"""Template helpers for the public pages: times in the page's zone, status icons."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from statuspage.timefmt import format_local, iso_utc

register = template.Library()

ICONS = {
    "operational": "check",
    "degraded_performance": "minus",
    "partial_outage": "warning",
    "major_outage": "cross",
    "under_maintenance": "wrench",
    "none": "check",
    "minor": "minus",
    "major": "warning",
    "critical": "cross",
    "maintenance": "wrench",
    "scheduled": "clock",
    "in_progress": "wrench",
    "verifying": "wrench",
    "completed": "check",
}


@register.simple_tag(takes_context=True)
def when(context: template.Context, value: datetime | None) -> SafeString | str:
    """`<time datetime="UTC ISO">Nov 23, 2026 - 14:05 CET</time>` in the page's zone."""
    if value is None:
        return ""
    return time_html(value, context["tz"])


def time_html(value: datetime, tz: ZoneInfo) -> SafeString:
    """`when` outside a template."""
    return format_html('<time datetime="{}">{}</time>', iso_utc(value), format_local(value, tz))


@register.simple_tag
def icon(status: str) -> SafeString:
    """A shape per status, so status never depends on colour alone; text goes beside it."""
    return icon_html(status, static("img/icons.svg"))


def icon_html(status: str, sprite: str) -> SafeString:
    """`icon` with the sprite's URL given, for markup built in Python a thousand times over
    (looking the URL up in the static files' manifest costs more than the rest)."""
    name = ICONS.get(status, "check")
    return format_html(
        '<svg class="icon icon-{}" aria-hidden="true" focusable="false" width="18" height="18">'
        '<use href="{}#{}"></use></svg>',
        name,
        sprite,
        name,
    )
