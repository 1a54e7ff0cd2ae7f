from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.urls import reverse

from statuspage.ids import new_code
from statuspage.validators import body_validators


class Story(models.Model):
    """An incident or a maintenance: a named event on a page, told in posted updates. Each
    subclass adds its page and components (each with its related name), its statuses and its
    own times."""

    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    name = models.CharField(max_length=255)
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(f"public:{self._meta.model_name}", args=[self.pk])


class PostedUpdate(models.Model):
    """One update of an incident or a maintenance: its text, the time readers see and what it
    did to components. Each subclass adds its story's foreign key and its own statuses."""

    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    body = models.TextField(validators=body_validators())
    # Time shown to readers; editable for backfilling and corrections.
    display_at = models.DateTimeField()
    # [{"code", "name", "old_status", "new_status"}], or null when no component was recorded.
    affected_components = models.JSONField(null=True, blank=True)
    deliver_notifications = models.BooleanField(default=True)
    # Set when the text changes after publishing; shown publicly as "edited".
    edited_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Made by Django from each subclass's `status` choices.
    get_status_display: Callable[[], str]

    class Meta:
        abstract = True
        ordering = ["-display_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.body[:60]}"
