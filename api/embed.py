"""`/embed`: a small HTML page with the current status, meant to be framed by other sites."""

from datetime import datetime

from django.template.loader import render_to_string

from incidents.models import UNRESOLVED, Incident
from maintenance.models import Maintenance
from pages.models import Page
from public import rendering

from .common import page_url

EMBED_TYPE = "text/html; charset=utf-8"
SHOWN = 3


def render_embed(page: Page, now: datetime) -> bytes:
    """Status, then the newest unresolved incidents and the maintenance in progress."""
    context = {
        "page": page,
        "page_url": page_url(page),
        "status": rendering.overall(page),
        "incidents": list(
            Incident.objects.filter(page=page, status__in=UNRESOLVED).order_by("-created_at")[
                :SHOWN
            ]
        ),
        "maintenances": list(Maintenance.objects.filter(page=page).active()[:SHOWN]),
    }
    return render_to_string("api/embed.html", context).encode()
