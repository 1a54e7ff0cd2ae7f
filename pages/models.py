import ipaddress
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_email
from django.db import models

from statuspage.ids import new_code
from statuspage.text import refuse_line_breaks


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones() and value != "UTC":
        raise ValidationError(f"“{value}” is not a known IANA time zone, such as Europe/Paris.")


def validate_networks(value: Any) -> None:
    """A list of CIDR ranges (10.0.0.0/8, 2001:db8::/32) or single addresses."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Give a list of networks, such as 10.0.0.0/8 or 2001:db8::/32.")
    for item in value:
        try:
            ipaddress.ip_network(item.strip(), strict=False)
        except ValueError:
            raise ValidationError(
                f"“{item}” is not a network; write one such as 10.0.0.0/8 or 2001:db8::/32."
            ) from None


def _network(value: Any) -> Any:
    """A range in its usual spelling (10.1.2.3/8 is 10.0.0.0/8); as given when unreadable."""
    try:
        return str(ipaddress.ip_network(str(value).strip(), strict=False))
    except ValueError:
        return value


def validate_viewer_emails(value: Any) -> None:
    """Addresses (ann@example.com) and whole domains (@example.com)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Give a list of addresses or @domain entries.")
    for item in value:
        entry = item.strip()
        try:
            validate_email("viewer" + entry if entry.startswith("@") else entry)
        except ValidationError:
            raise ValidationError(
                f"“{item}” is neither an address (ann@example.com) nor a domain (@example.com)."
            ) from None


host_name = RegexValidator(
    r"^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    "Enter a host name such as status.example.com (no scheme, port or path).",
)

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #rrggbb, such as #1f6feb.")


# The page's sign-up switches (Page.offers_signup reads them), in the order the admin shows them:
# the admin's Subscriptions section, what save_page audits and what the operator API may change.
SIGNUP_SWITCHES = (
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


SMS_NOT_SET_UP = "SMS is not set up: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM."


def sms_configured() -> bool:
    """Whether Beacon can send texts: Twilio's account, token and sender are all set."""
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM)


def _chat_sign_up(what: str, offer: str, path: str) -> "models.BooleanField[bool, bool]":
    """The switch for a chat channel's public sign-up at /subscribe/<path>: off until offered."""
    return models.BooleanField(
        f"visitors may subscribe {what}",
        default=False,
        help_text=f"Offer {offer} sign-up at /subscribe/{path}.",
    )


class PageQuerySet(models.QuerySet["Page"]):
    def default(self) -> "Page | None":
        return self.filter(is_default=True).first()

    def by_reference(self, reference: str) -> "Page | None":
        """The page a command's --page names: its id, or "default" for the default page."""
        if reference == "default":
            return self.default()
        return self.filter(pk=reference).first()

    def for_host(self, host: str) -> "Page | None":
        """The page served at this host name (its domain or one of its extra host names), else
        the default page."""
        host = host.split(":")[0].lower()
        # icontains on the JSON text works on PostgreSQL and SQLite alike; the exact match is
        # checked below, so "a.example" never answers for "data.example".
        pages = list(
            self.filter(
                models.Q(domain=host)
                | models.Q(is_default=True)
                | models.Q(extra_domains__icontains=f'"{host}"')
            )
        )
        for page in pages:
            if page.domain == host or host in page.extra_domains:
                return page
        return next((page for page in pages if page.is_default), None)


class Page(models.Model):
    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    name = models.CharField(max_length=100)
    # Public URL of the page (custom domain), no trailing slash.
    url = models.URLField("public URL", max_length=200)
    # Host name requests for this page arrive at; blank for the default page only.
    domain = models.CharField(max_length=200, blank=True, db_index=True)
    # More host names the page answers at, lower case; unique across pages (save_page checks).
    extra_domains = models.JSONField(
        "extra host names",
        default=list,
        blank=True,
        help_text="Other host names this page answers at, such as an old domain.",
    )
    is_default = models.BooleanField(default=False)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    logo = models.ImageField(upload_to="logos/", blank=True)
    brand_colour = models.CharField(max_length=7, default="#1f6feb", validators=[hex_colour])
    support_url = models.URLField("support link", blank=True)
    footer_links = models.JSONField(
        default=list, blank=True, help_text='A list of {"label": ..., "url": ...} objects.'
    )
    allow_rss_atom_feeds = models.BooleanField(
        "offer Atom and RSS feeds",
        default=True,
        help_text="Serve the incident history at /history.atom and /history.rss and link to "
        "them from the page. Off: both answer 404.",
    )
    # Self-service sign-up by visitors. Existing subscribers keep what they subscribed to, and
    # operators can still add subscribers by hand (admin, operator API).
    allow_page_subscribers = models.BooleanField(
        "visitors may subscribe to the page",
        default=True,
        help_text="Offer the public subscribe forms (/subscribe, /subscribe/webhook) and link to "
        "them from the page. Off: both refuse sign-ups and the page shows no Subscribe link. "
        "Existing subscribers keep getting notifications.",
    )
    allow_email_subscribers = models.BooleanField(
        "visitors may subscribe by email",
        default=True,
        help_text="Offer email sign-up at /subscribe. Off: the form refuses new addresses. "
        "Existing email subscribers keep getting notifications.",
    )
    allow_webhook_subscribers = models.BooleanField(
        "visitors may subscribe a webhook",
        default=True,
        help_text="Offer webhook sign-up at /subscribe/webhook. Off: the form refuses new "
        "endpoints. Existing webhook subscribers keep getting notifications.",
    )
    # Chat and SMS sign-up: off until the operator offers them (SMS also needs Twilio settings).
    allow_slack_subscribers = _chat_sign_up("a Slack channel", "Slack incoming-webhook", "slack")
    allow_teams_subscribers = _chat_sign_up(
        "a Microsoft Teams channel", "Teams workflow-webhook", "teams"
    )
    allow_discord_subscribers = _chat_sign_up("a Discord channel", "Discord webhook", "discord")
    allow_google_chat_subscribers = _chat_sign_up(
        "a Google Chat space", "Google Chat webhook", "google-chat"
    )
    allow_sms_subscribers = models.BooleanField(
        "visitors may subscribe a phone number",
        default=False,
        help_text="Offer SMS sign-up at /subscribe/sms; needs TWILIO_ACCOUNT_SID, "
        "TWILIO_AUTH_TOKEN and TWILIO_FROM in the settings.",
    )
    allow_incident_subscribers = models.BooleanField(
        "take subscribers to single incidents",
        default=True,
        help_text="Accept subscribers to one incident (operator API, "
        "/incidents/{id}/subscribers). Off: new ones are refused. Existing incident "
        "subscribers keep getting that incident's updates.",
    )
    # Who may see the page (pages/viewers.py, docs/private-pages.md). All off: public.
    is_private = models.BooleanField(
        "private page",
        default=False,
        help_text="Only signed-in viewers see the page, its API, feeds, calendar, badge and "
        "embed. Viewers sign in with a one-time email link sent to an allowed address below, "
        "or with single sign-on when that is offered.",
    )
    allowed_networks = models.JSONField(
        "allowed networks",
        default=list,
        blank=True,
        validators=[validate_networks],
        help_text="IP ranges, one per line (10.0.0.0/8, 2001:db8::/32). Alone: only requests "
        "from these networks see the page. With “private page”: requests from these networks "
        "see it without signing in, everyone else signs in.",
    )
    viewer_emails = models.JSONField(
        "allowed viewers",
        default=list,
        blank=True,
        validators=[validate_viewer_emails],
        help_text="Who may sign in to a private page: addresses (ann@example.com) or whole "
        "domains (@example.com), one per line. Removing one signs everyone out.",
    )
    viewer_oidc = models.BooleanField(
        "viewers may use single sign-on",
        default=False,
        help_text="Offer “Sign in with” the installation's OpenID Connect provider on the "
        "viewers' sign-in page (needs OIDC_ISSUER).",
    )
    # Bumped when who may see the page shrinks, which signs every viewer out (pages/services.py).
    access_epoch = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_page"
            ),
            models.UniqueConstraint(
                fields=["domain"], condition=~models.Q(domain=""), name="unique_page_domain"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The name goes into every email's Subject and List-Id (see statuspage.text).
        refuse_line_breaks(self.name, field="name")
        self.domain = self.domain.strip().lower()
        self._clean_extra_domains()
        self.url = self.url.rstrip("/")
        if isinstance(self.viewer_emails, list):
            self.viewer_emails = [
                e.strip().lower() for e in self.viewer_emails if isinstance(e, str) and e.strip()
            ]
        if isinstance(self.allowed_networks, list):
            self.allowed_networks = [_network(n) for n in self.allowed_networks if str(n).strip()]
        links = self.footer_links
        if not isinstance(links, list) or not all(
            isinstance(link, dict)
            and isinstance(link.get("label"), str)
            and isinstance(link.get("url"), str)
            and link["url"].startswith(("https://", "http://", "mailto:"))
            for link in links
        ):
            raise ValidationError(
                {"footer_links": 'Use a list of {"label": "Docs", "url": "https://…"} objects.'}
            )

    def _clean_extra_domains(self) -> None:
        extra = self.extra_domains
        if not isinstance(extra, list) or not all(isinstance(h, str) for h in extra):
            raise ValidationError({"extra_domains": "Give a list of host names."})
        hosts = list(dict.fromkeys(h.strip().lower() for h in extra if h.strip()))
        for host in hosts:
            try:
                host_name(host)
            except ValidationError as error:
                raise ValidationError({"extra_domains": f"“{host}”: {error.messages[0]}"}) from None
        if self.domain and self.domain in hosts:
            raise ValidationError({"extra_domains": f"{self.domain} is already the page's domain."})
        self.extra_domains = hosts
        # Each host name answers for one page only: the others' domains and extra names.
        mine = set(hosts) | ({self.domain} if self.domain else set())
        for other in Page.objects.exclude(pk=self.pk).values("name", "domain", "extra_domains"):
            taken = mine & ({other["domain"]} | set(other["extra_domains"] or []))
            if taken:
                field = "domain" if self.domain in taken else "extra_domains"
                raise ValidationError(
                    {field: f"{sorted(taken)[0]} already answers for the page “{other['name']}”."}
                )

    def host_names(self) -> list[str]:
        """Every host name the page answers at, its domain first."""
        return [h for h in [self.domain, *self.extra_domains] if h]

    @property
    def is_restricted(self) -> bool:
        """Not everyone may see the page: private, or limited to some networks."""
        return self.is_private or bool(self.allowed_networks)

    @property
    def offers_email_signup(self) -> bool:
        return self.allow_page_subscribers and self.allow_email_subscribers

    @property
    def offers_webhook_signup(self) -> bool:
        return self.allow_page_subscribers and self.allow_webhook_subscribers

    def offers_signup(self, channel: str) -> bool:
        """Whether visitors may sign up with `channel` (a subscriber channel's value)."""
        return self.allow_page_subscribers and bool(
            getattr(self, f"allow_{channel}_subscribers", False)
        )

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class ViewerLink(models.Model):
    """A one-time sign-in link sent to a private page's viewer (pages/viewers.py): its signed
    token names this row, which is used once (a conditional UPDATE) and expires."""

    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="viewer_links")
    email = models.EmailField()
    # Where the viewer was going: a path on the page's own host.
    next_path = models.CharField(max_length=2000, default="/")
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["page", "email", "created_at"])]

    def __str__(self) -> str:
        return f"{self.email} ({self.page_id})"


class Role(models.TextChoices):
    RESPONDER = "responder", "Incident responder"
    ADMIN = "admin", "Page admin"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def admins(self) -> "MembershipQuerySet":
        return self.filter(role=Role.ADMIN)


class Membership(models.Model):
    """A user's role on one page: the role's group says what they may do, this row on which
    page. Deleting it takes the page away at the next request."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Who keeps it: "" when given in Beacon (team screen, invitation, assignrole), else
    # "sso:<provider id>" when a sign-in provider's groups give it (and take it away again).
    source = models.CharField(max_length=40, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "user"], name="one_membership_per_page_user")
        ]
        ordering = ["page", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) on {self.page}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self, now: Any) -> "InvitationQuerySet":
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    """An email invitation to join a page's team; its link is signed and works once."""

    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.page}"
