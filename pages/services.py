"""Writes to a page's own settings."""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from events.models import EventKind
from events.services import Actor, emit_event, field_values, save_audited
from statuspage import broker
from statuspage.mail import header_value, render_subject

from . import viewers
from .models import SIGNUP_SWITCHES, SMS_NOT_SET_UP, Page, Role, ViewerLink, sms_configured
from .team import set_membership

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
    *SIGNUP_SWITCHES,
    "is_private",
    "allowed_networks",
    "viewer_emails",
    "viewer_oidc",
)


def _snapshot(page: Page) -> dict[str, Any]:
    values = field_values(page, PAGE_FIELDS)
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
    """Create a page, or store the changes already set on it. False when nothing changed.

    An operator who creates a page (a superuser sees every page anyway) is made its admin: they
    run it until they hand it over. The outbox event makes the snapshot publisher write the host
    index and render the page as soon as this commits, so a new page answers at its host names
    at once."""
    created = page._state.adding
    # Pages save one at a time, so two can never take the same host name at once.
    list(Page.objects.select_for_update().values_list("pk", flat=True))
    stored = None
    if not page._state.adding:
        stored = (
            Page.objects.filter(pk=page.pk)
            .values(
                "is_private",
                "viewer_emails",
                "viewer_oidc",
                "access_epoch",
                "allow_sms_subscribers",
            )
            .first()
        )
        if stored is not None:
            page.access_epoch = stored["access_epoch"] + (1 if narrows_access(stored, page) else 0)
    # Turning SMS sign-up on needs Twilio; a page that has it on keeps it when Twilio goes.
    was_on = stored is not None and stored["allow_sms_subscribers"]
    if page.allow_sms_subscribers and not was_on and not sms_configured():
        raise ValidationError({"allow_sms_subscribers": SMS_NOT_SET_UP})
    if not save_audited(page, actor=actor, snapshot=_snapshot, page=page):
        return False
    emit_event(page=page, kind=EventKind.PAGE_CHANGED, subject=page)
    if created and isinstance(actor, User) and not actor.is_superuser:
        set_membership(page=page, user=actor, role=Role.ADMIN, actor=actor)
    return True


# Viewers of private pages (pages/viewers.py) ------------------------------------------------

# One address gets at most one sign-in link per this interval, however often it is asked for.
VIEWER_LINK_INTERVAL = timedelta(seconds=60)


@transaction.atomic
def request_viewer_link(*, page: Page, email: str, next_path: str) -> ViewerLink | None:
    """A one-time sign-in link for an allowed viewer, mailed after commit; None (and nothing
    sent) for an address the page does not allow, or one sent a link within the interval."""
    email = email.strip().lower()
    if not page.is_private or not viewers.email_allowed(page, email):
        return None
    recent = ViewerLink.objects.filter(
        page=page, email=email, created_at__gte=timezone.now() - VIEWER_LINK_INTERVAL
    )
    if recent.exists():
        return None
    link = ViewerLink.objects.create(page=page, email=email, next_path=next_path[:2000])
    transaction.on_commit(lambda: broker.publish("pages.tasks.send_viewer_link", link.pk))
    return link


def use_viewer_link(*, page: Page, link_id: str) -> ViewerLink | None:
    """Take a sign-in link, once: None when it is another page's, used, expired, or its
    address is no longer allowed."""
    now = timezone.now()
    taken = ViewerLink.objects.filter(
        pk=link_id,
        page=page,
        used_at__isnull=True,
        created_at__gte=now - timedelta(seconds=viewers.LINK_MAX_AGE),
    ).update(used_at=now)
    if taken != 1:
        return None
    link = ViewerLink.objects.get(pk=link_id)
    if not page.is_private or not viewers.email_allowed(page, link.email):
        return None
    return link


def send_viewer_link(link_id: str) -> bool:
    """Mail a sign-in link (an unused, unexpired one); False when there is nothing to send."""
    link = (
        ViewerLink.objects.select_related("page")
        .filter(
            pk=link_id,
            used_at__isnull=True,
            created_at__gte=timezone.now() - timedelta(seconds=viewers.LINK_MAX_AGE),
        )
        .first()
    )
    if link is None:
        return False
    page = link.page
    context = {
        "page": page,
        "link_url": page.url + reverse("viewer-link", args=[viewers.link_token(link.pk)]),
        "minutes": viewers.LINK_MAX_AGE // 60,
    }
    mail = EmailMultiAlternatives(
        subject=render_subject("emails/viewer_link_subject.txt", context),
        body=render_to_string("emails/viewer_link.txt", context),
        to=[header_value(link.email)],
        headers={"Auto-Submitted": "auto-generated"},
    )
    mail.attach_alternative(render_to_string("emails/viewer_link.html", context), "text/html")
    mail.send()
    return True
