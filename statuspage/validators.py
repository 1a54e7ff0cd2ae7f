"""Field validators shared by the models of several apps (incidents and maintenance alike)."""

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator


def body_validators() -> list[MaxLengthValidator]:
    return [MaxLengthValidator(settings.MAX_BODY_CHARS)]


# Metadata: free-form objects API clients attach to an incident or maintenance (e.g. the
# tracker issue it belongs to). Capped, since every read of the incident returns it.
METADATA_MAX_BYTES = 16_384
METADATA_SHAPE = 'an object whose every value is an object, such as {"tracker": {"issue": "OPS-1"}}'


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def validate_metadata(value: Any) -> None:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValidationError(f"Metadata must be {METADATA_SHAPE}.")
    if _has_nul(value):
        raise ValidationError("Metadata must not contain NUL characters.")
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size > METADATA_MAX_BYTES:
        raise ValidationError(
            f"Metadata is {size} bytes as JSON; the limit is {METADATA_MAX_BYTES}."
        )
