"""Writes to a page's own settings."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from events.models import EventKind
from events.services import Actor, emit_event, save_audited

from .models import Page

PAGE_FIELDS = (
    "name",
    "url",
    "domain",
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
    "is_private",
    "allowed_networks",
    "viewer_emails",
    "viewer_oidc",
)


def _snapshot(page: Page) -> dict[str, Any]:
    values = {field: getattr(page, field) for field in PAGE_FIELDS}
    values["logo"] = page.logo.name or ""
    return values


def narrows_access(before: Mapping[str, Any], after: Page) -> bool:
    """Whether a change takes sight of the page from someone who had it: made private or
    public again, a viewer entry removed, single sign-on switched off. Viewers signed in
    before such a change are signed out (their cookies and feed tokens carry the old epoch).
    Adding viewers or networks leaves everyone signed in."""
    removed = {e.strip().lower() for e in before["viewer_emails"]} - {
        e.strip().lower() for e in after.viewer_emails
    }
    return (
        before["is_private"] != after.is_private
        or bool(removed)
        or (before["viewer_oidc"] and not after.viewer_oidc)
    )


@transaction.atomic
def save_page(*, page: Page, actor: Actor) -> bool:
    """Create a page, or store the changes already set on it. False when nothing changed."""
    if not page._state.adding:
        stored = (
            Page.objects.filter(pk=page.pk)
            .values("is_private", "viewer_emails", "viewer_oidc", "access_epoch")
            .first()
        )
        if stored is not None:
            page.access_epoch = stored["access_epoch"] + (1 if narrows_access(stored, page) else 0)
    if not save_audited(page, actor=actor, snapshot=_snapshot, page=page):
        return False
    emit_event(page=page, kind=EventKind.PAGE_CHANGED, subject=page)
    return True
