"""Subscribers (email addresses, webhook and chat endpoints, phone numbers) and one delivery row
per message.

A `Delivery` is the record of what must be sent: one row per (outbox event, subscriber), unique,
so fanning out twice changes nothing. Senders claim pending rows, send, and record the outcome at
once; the broker only makes that fast.
"""

from urllib.parse import urlsplit

from django.db import models
from django.utils import timezone

from events.models import OutboxEvent
from statuspage.ids import new_code


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"
    DISCORD = "discord", "Discord"
    GOOGLE_CHAT = "google_chat", "Google Chat"
    SMS = "sms", "SMS"


# Channels whose address is an incoming-webhook URL of a chat provider (kept in `endpoint`).
CHAT_CHANNELS = (Channel.SLACK, Channel.TEAMS, Channel.DISCORD, Channel.GOOGLE_CHAT)


class SubscriberState(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    ACTIVE = "active", "Active"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    # Hard bounce, complaint, HTTP 410 or a permanent SMTP rejection: never sent to again.
    SUPPRESSED = "suppressed", "Suppressed"


class SubscriberQuerySet(models.QuerySet["Subscriber"]):
    def active(self) -> "SubscriberQuerySet":
        return self.filter(state=SubscriberState.ACTIVE)


class Subscriber(models.Model):
    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="subscribers")
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.EMAIL)
    # Email address for email subscribers; contact address (optional) for the other channels.
    email = models.EmailField(max_length=254, blank=True)
    # The URL posted to: a webhook endpoint, or a chat provider's incoming-webhook URL.
    endpoint = models.URLField(max_length=500, blank=True)
    # SMS subscribers: the number in E.164 (+14155550100) and its ISO 3166 country (US).
    phone_number = models.CharField(max_length=16, blank=True)
    phone_country = models.CharField(max_length=2, blank=True)
    # SMS verification: a digest of the code last sent, when, and the wrong guesses since.
    code_digest = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    # Signs webhook bodies (HMAC-SHA256); blank for email subscribers.
    secret = models.CharField(max_length=64, blank=True)
    # True: the whole page. False: only events touching `components`.
    all_components = models.BooleanField(default=True)
    components = models.ManyToManyField(
        "components.Component", blank=True, related_name="subscribers"
    )
    # Set: an incident subscriber, who hears only about this incident (email only).
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscribers",
    )
    state = models.CharField(
        max_length=12, choices=SubscriberState.choices, default=SubscriberState.UNCONFIRMED
    )
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # A confirmation message (or webhook ping) is owed; the sweeper finds ones the broker lost.
    confirmation_due = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    suppressed_at = models.DateTimeField(null=True, blank=True)
    suppressed_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "email"],
                condition=models.Q(channel="email", incident__isnull=True),
                name="one_email_subscriber_per_address",
            ),
            models.UniqueConstraint(
                fields=["incident", "email"],
                condition=models.Q(channel="email", incident__isnull=False),
                name="one_incident_subscriber_per_address",
            ),
            models.UniqueConstraint(
                fields=["page", "endpoint"],
                condition=models.Q(channel="webhook"),
                name="one_webhook_subscriber_per_endpoint",
            ),
            models.UniqueConstraint(
                fields=["page", "channel", "endpoint"],
                condition=models.Q(channel__in=CHAT_CHANNELS),
                name="one_chat_subscriber_per_endpoint",
            ),
            models.UniqueConstraint(
                fields=["page", "phone_number"],
                condition=models.Q(channel="sms"),
                name="one_sms_subscriber_per_number",
            ),
        ]
        indexes = [models.Index(fields=["page", "state"])]

    def __str__(self) -> str:
        if self.channel == Channel.EMAIL:
            return self.email
        if self.channel == Channel.SMS:
            return self.phone_number
        return self.endpoint

    @property
    def address(self) -> str:
        return str(self)

    @property
    def shown_address(self) -> str:
        """How the subscriber is named to people: a chat webhook URL is a credential (whoever
        has it may post to the channel), so only its host is shown."""
        if self.channel in CHAT_CHANNELS:
            host = urlsplit(self.endpoint).hostname or ""
            return f"{Channel(self.channel).label} channel ({host}/…)"
        return self.address


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    # Claimed by a sender; back to pending by the sweeper once its lease runs out.
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SUPPRESSED = "suppressed", "Suppressed"


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def due(self) -> "DeliveryQuerySet":
        return self.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())

    def claimable(self) -> "DeliveryQuerySet":
        """Due, or claimed by a sender whose lease ran out (it died): a live sender takes those
        over at once, without waiting for the sweeper to hand them back."""
        now = timezone.now()
        return self.filter(
            models.Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | models.Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
        )


class Delivery(models.Model):
    event = models.ForeignKey(
        "events.OutboxEvent", on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The claim's token, and until when it holds: the sender renews the lease as it works,
    # and the sweeper hands back the deliveries of a lease that ran out.
    claim = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "subscriber"], name="one_delivery_per_event")
        ]
        indexes = [
            # The senders' claim query and the sweeper read only unfinished rows.
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_pending_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["lease_until"],
                name="delivery_lease_idx",
                condition=models.Q(status="sending"),
            ),
            models.Index(fields=["claim"], name="delivery_claim_idx"),
            models.Index(fields=["event", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscriber}"


class NotificationEvent(OutboxEvent):
    """The outbox seen from the notifications side, for the admin: deliveries per event."""

    class Meta:
        proxy = True
        verbose_name = "notification"


class Heartbeat(models.Model):
    """When the worker, the scheduler and the mail server were last seen working."""

    name = models.CharField(primary_key=True, max_length=20)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"
