"""API keys for the operator API: page-scoped, named, stored hashed, revocable."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from statuspage.ids import new_code

KEY_PREFIX = "bk_"
PREFIX_LENGTH = 8
# last_used_at is written at most this often, so busy keys do not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self) -> "ApiKeyQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A key is shown once, when it is created; only its prefix and SHA-256 are kept."""

    id = models.CharField(primary_key=True, max_length=12, default=new_code, editable=False)
    page = models.ForeignKey("pages.Page", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="Who or what uses this key, e.g. “CI”.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({KEY_PREFIX}{self.prefix}…)"

    @classmethod
    def generate(cls) -> tuple[str, str, str]:
        """A new (key, prefix, hash). The key itself is never stored."""
        prefix = new_code()[:PREFIX_LENGTH]
        key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(30)}"
        return key, prefix, hash_secret(key)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.key_hash, hash_secret(key))

    def needs_touch(self) -> bool:
        return (
            self.last_used_at is None or timezone.now() - self.last_used_at >= LAST_USED_RESOLUTION
        )


def prefix_of(key: str) -> str | None:
    if not key.startswith(KEY_PREFIX):
        return None
    prefix = key[len(KEY_PREFIX) : len(KEY_PREFIX) + PREFIX_LENGTH]
    return prefix if len(prefix) == PREFIX_LENGTH else None
