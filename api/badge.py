"""`/badge.svg`: a small flat badge (in the manner of shields.io) with the page's status, or one
component's with `?component=<id>`, for READMEs, wikis and dashboards.

The SVG is built with ElementTree, which escapes the names operators type. It carries a
`<title>` and `role="img"` with an `aria-label`, so screen readers announce the status, and
its colours keep white text at a contrast ratio of at least 4.5:1.
"""

import xml.etree.ElementTree as ET
from datetime import datetime

from components.models import Component, ComponentGroup, ComponentStatus, worst_status
from pages.models import Page
from public import rendering
from public.status import CRITICAL, MAINTENANCE, MAJOR, MINOR, NONE
from statuspage.ids import is_public_id

SVG_TYPE = "image/svg+xml; charset=utf-8"

COLOURS = {
    NONE: "#2e7d32",
    MINOR: "#9a6700",
    MAJOR: "#c2410c",
    CRITICAL: "#b91c1c",
    MAINTENANCE: "#1d4ed8",
}
GREY = "#555"
UNKNOWN = "#6e7781"
INDICATOR_OF_STATUS = {
    ComponentStatus.OPERATIONAL: NONE,
    ComponentStatus.UNDER_MAINTENANCE: MAINTENANCE,
    ComponentStatus.DEGRADED_PERFORMANCE: MINOR,
    ComponentStatus.PARTIAL_OUTAGE: MAJOR,
    ComponentStatus.MAJOR_OUTAGE: CRITICAL,
}

# Approximate advance widths of Verdana at 11px, the badge font; `textLength` makes the text
# fit exactly whatever font the viewer substitutes.
_WIDTHS = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@",
        [3.9, 4.3, 5.3, 9.0, 7.0, 11.9, 8.0, 2.7, 4.9, 4.9, 7.0, 9.0, 4.0, 4.9, 4.0, 4.9]
        + [7.0] * 10
        + [4.9, 4.9, 9.0, 9.0, 9.0, 6.0, 11.0],
        strict=True,
    )
)
_WIDTHS |= dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [
            *(7.5, 7.5, 7.7, 8.5, 6.9, 6.3, 8.5, 8.3, 4.6, 5.0, 7.6, 6.1, 9.3),
            *(8.2, 8.7, 6.6, 8.7, 7.7, 7.5, 6.8, 8.0, 7.5, 10.9, 7.5, 6.8, 7.5),
        ],
        strict=True,
    )
)
_WIDTHS |= dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        [
            *(6.7, 6.8, 5.8, 6.8, 6.6, 3.8, 6.8, 6.9, 3.0, 3.7, 6.4, 3.0, 10.6),
            *(6.9, 6.6, 6.8, 6.8, 4.7, 5.7, 4.3, 6.9, 6.4, 8.9, 6.4, 6.4, 5.7),
        ],
        strict=True,
    )
)


def text_width(text: str) -> float:
    return sum(_WIDTHS.get(char, 7.5) for char in text)


class UnknownComponent(LookupError):
    pass


def badge_svg(label: str, message: str, colour: str) -> bytes:
    label_width = round(text_width(label) + 10)
    message_width = round(text_width(message) + 10)
    width = label_width + message_width
    title = f"{label}: {message}"
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": str(width),
            "height": "20",
            "role": "img",
            "aria-label": title,
        },
    )
    ET.SubElement(svg, "title").text = title
    gradient = ET.SubElement(svg, "linearGradient", {"id": "s", "x2": "0", "y2": "100%"})
    ET.SubElement(gradient, "stop", {"offset": "0", "stop-color": "#bbb", "stop-opacity": ".1"})
    ET.SubElement(gradient, "stop", {"offset": "1", "stop-opacity": ".1"})
    clip = ET.SubElement(svg, "clipPath", {"id": "r"})
    ET.SubElement(clip, "rect", {"width": str(width), "height": "20", "rx": "3", "fill": "#fff"})
    shapes = ET.SubElement(svg, "g", {"clip-path": "url(#r)"})
    ET.SubElement(shapes, "rect", {"width": str(label_width), "height": "20", "fill": GREY})
    ET.SubElement(
        shapes,
        "rect",
        {"x": str(label_width), "width": str(message_width), "height": "20", "fill": colour},
    )
    ET.SubElement(shapes, "rect", {"width": str(width), "height": "20", "fill": "url(#s)"})
    texts = ET.SubElement(
        svg,
        "g",
        {
            "fill": "#fff",
            "text-anchor": "middle",
            "font-family": "Verdana,Geneva,DejaVu Sans,sans-serif",
            "font-size": "11",
            "aria-hidden": "true",
        },
    )
    for text, left, box in ((label, 0, label_width), (message, label_width, message_width)):
        centre = f"{left + box / 2:g}"
        length = str(box - 10)
        shadow = {"x": centre, "y": "15", "fill": "#010101", "fill-opacity": ".3"}
        ET.SubElement(texts, "text", shadow | {"textLength": length}).text = text
        ET.SubElement(texts, "text", {"x": centre, "y": "14", "textLength": length}).text = text
    return ET.tostring(svg, encoding="unicode").encode()


def render_badge(page: Page, now: datetime, component_id: str | None = None) -> bytes:
    """The overall status, or one component's (a group shows its worst component's)."""
    if not component_id:
        status = rendering.overall(page)
        return badge_svg("status", status.description, COLOURS[status.indicator])
    if not is_public_id(component_id):
        raise UnknownComponent(component_id)
    component = Component.objects.filter(page=page, pk=component_id).first()
    if component is not None:
        name, status_value = component.name, component.status
    else:
        group = ComponentGroup.objects.filter(page=page, pk=component_id).first()
        if group is None:
            raise UnknownComponent(component_id)
        statuses = list(group.components.values_list("status", flat=True))
        name, status_value = group.name, worst_status(statuses)
    status_enum = ComponentStatus(status_value)
    return badge_svg(name, status_enum.label, COLOURS[INDICATOR_OF_STATUS[status_enum]])


def not_found_badge(component_id: str) -> bytes:
    return badge_svg("status", "unknown component", UNKNOWN)
