from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest

from statuspage.admin_site import site

from .forms import PageForm
from .models import Page
from .services import save_page

PAGE_FIELDS = PageForm.Meta.fields


@admin.register(Page, site=site)
class PageAdmin(admin.ModelAdmin):
    """Page settings: page admins only (responders may look, through the view permission)."""

    form = PageForm
    list_display = ["name", "url", "time_zone", "is_default"]
    fieldsets = [
        (None, {"fields": ["name", "url", "domain", "is_default", "time_zone"]}),
        ("Branding", {"fields": ["logo", "brand_colour", "support_url", "footer_links"]}),
        ("Feeds", {"fields": ["allow_rss_atom_feeds"]}),
        (
            "Visibility",
            {
                "fields": ["is_private", "allowed_networks", "viewer_emails", "viewer_oidc"],
                "description": "Who may see the page. Leave all of it empty for a public page. "
                "Private: only signed-in viewers (addresses or @domains listed below) see the "
                "page and everything under it, including the API, feeds, calendar, badge and "
                "embed; each viewer gets personal feed links. Networks alone: only requests "
                "from those IP ranges see it. Both: those networks see it without signing in, "
                "everyone else signs in. Making the page private or public again, or removing "
                "a viewer, signs every viewer out.",
            },
        ),
        (
            "Subscriptions",
            {
                "fields": [
                    "allow_page_subscribers",
                    "allow_email_subscribers",
                    "allow_webhook_subscribers",
                    "allow_slack_subscribers",
                    "allow_teams_subscribers",
                    "allow_discord_subscribers",
                    "allow_google_chat_subscribers",
                    "allow_sms_subscribers",
                    "allow_incident_subscribers",
                ],
                "description": "Whether visitors may sign themselves up. Switching one off "
                "stops new sign-ups only: existing subscribers keep getting notifications, "
                "and you can still add subscribers by hand.",
            },
        ),
    ]

    def save_model(self, request: HttpRequest, obj: Page, form: Any, change: bool) -> None:
        save_page(page=obj, actor=request.user)


@admin.register(User, site=site)
class BeaconUserAdmin(UserAdmin):
    """Page admins manage operators and their roles, but cannot make anyone a superuser or
    hand out permissions outside the roles."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly


site.register(Group, GroupAdmin)
