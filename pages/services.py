"""Writes to a page's own settings."""

from typing import Any

from django.db import transaction

from events.models import EventKind
from events.services import Actor, emit_event, save_audited

from .models import Page

PAGE_FIELDS = (
    "name",
    "url",
    "domain",
    "extra_domains",
    "is_default",
    "time_zone",
    "logo",
    "brand_colour",
    "support_url",
    "footer_links",
    "allow_rss_atom_feeds",
    "allow_page_subscribers",
    "allow_email_subscribers",
    "allow_webhook_subscribers",
    "allow_slack_subscribers",
    "allow_teams_subscribers",
    "allow_discord_subscribers",
    "allow_google_chat_subscribers",
    "allow_sms_subscribers",
    "allow_incident_subscribers",
)


def _snapshot(page: Page) -> dict[str, Any]:
    values = {field: getattr(page, field) for field in PAGE_FIELDS}
    values["logo"] = page.logo.name or ""
    return values


@transaction.atomic
def save_page(*, page: Page, actor: Actor) -> bool:
    """Create a page, or store the changes already set on it. False when nothing changed.

    The outbox event makes the snapshot publisher write the host index and render the page
    as soon as this commits, so a new page answers at its host names at once."""
    # Pages save one at a time, so two can never take the same host name at once.
    list(Page.objects.select_for_update().values_list("pk", flat=True))
    if not save_audited(page, actor=actor, snapshot=_snapshot, page=page):
        return False
    emit_event(page=page, kind=EventKind.PAGE_CHANGED, subject=page)
    return True
