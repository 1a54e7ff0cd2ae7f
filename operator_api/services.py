"""Writes to API keys: create, revoke, and note their use."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from events.services import Actor, actor_fields, record_audit
from pages.models import Page

from .models import LAST_USED_RESOLUTION, ApiKey


@transaction.atomic
def create_api_key(*, page: Page, name: str, actor: Actor) -> tuple[ApiKey, str]:
    """Returns the key row and the key itself, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the key after who or what will use it."})
    key, prefix, key_hash = ApiKey.generate()
    user: Any = actor_fields(actor)["actor"]
    api_key = ApiKey(
        page=page,
        name=name,
        prefix=prefix,
        key_hash=key_hash,
        created_by=user,
    )
    api_key.full_clean(exclude=["prefix", "key_hash"])
    api_key.save()
    record_audit(page=page, actor=actor, action="create", obj=api_key, after={"name": name})
    return api_key, key


@transaction.atomic
def revoke_api_key(*, api_key: ApiKey, actor: Actor) -> bool:
    """False when it was already revoked."""
    updated = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        record_audit(page=api_key.page, actor=actor, action="revoke", obj=api_key)
    return bool(updated)


def touch_api_key(api_key: ApiKey) -> None:
    """Record use at most once a minute; a conditional UPDATE, so concurrent requests agree."""
    if not api_key.needs_touch():
        return
    now = timezone.now()
    ApiKey.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION),
        pk=api_key.pk,
    ).update(last_used_at=now)
