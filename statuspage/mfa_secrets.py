"""The second factor's secrets, encrypted at rest (Fernet: AES-128-CBC with an HMAC-SHA256).

allauth stores an authenticator app's TOTP secret and the seed the recovery codes are computed
from in the authenticator's JSON data, through its MFA adapter's encrypt/decrypt hooks
(statuspage.signin.MFAAdapter). Anyone who reads those rows (a database dump, a backup, a
replica) could otherwise compute every operator's codes.

The key: MFA_ENCRYPTION_KEY when set, else one derived from SECRET_KEY. Each is stretched into
a Fernet key with an HMAC under its own salt, so any long random string will do and the key
used here is never the one that signs sessions. MultiFernet encrypts with the first key and
decrypts with any of them: MFA_ENCRYPTION_KEY_FALLBACKS (or SECRET_KEY_FALLBACKS, for the
derived key) keep older rows readable while `manage.py encrypt_mfa_secrets` re-encrypts them.

Encrypted values carry a "fernet:" prefix. A value without it is one stored before encryption
(allauth's TOTP secrets are base32 and its seeds hex, so neither can start with it): it is read
as it is, and `encrypt_mfa_secrets` encrypts it.
"""

import base64
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

PREFIX = "fernet:"
_SALT = "beacon.mfa.secrets"

# The authenticator data fields that hold secrets: TOTP's secret, the recovery codes' seed,
# and codes migrated from another library (a list). WebAuthn keeps only public keys.
SECRET_FIELDS = ("secret", "seed")
SECRET_LIST_FIELDS = ("migrated_codes",)


def _fernet(secret: str) -> Fernet:
    digest = salted_hmac(_SALT, "fernet", secret=secret, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def key_secrets() -> list[str]:
    """The secrets keys are derived from, the one to encrypt with first."""
    if settings.SIGNIN_MFA_ENCRYPTION_KEY:
        return [settings.SIGNIN_MFA_ENCRYPTION_KEY, *settings.SIGNIN_MFA_ENCRYPTION_KEY_FALLBACKS]
    return [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]


def _multi() -> MultiFernet:
    return MultiFernet([_fernet(secret) for secret in key_secrets()])


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(text: str) -> str:
    return PREFIX + _multi().encrypt(text.encode()).decode("ascii")


class SecretUnreadable(ImproperlyConfigured):
    """A stored secret none of the configured keys opens: the key was changed without being
    kept as a fallback. Sign-in answers with a page that says so (statuspage/signin.py)."""


def decrypt(value: str) -> str:
    if not is_encrypted(value):
        return value  # stored before encryption; `encrypt_mfa_secrets` encrypts it
    try:
        return _multi().decrypt(value.removeprefix(PREFIX).encode("ascii")).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "A second-factor secret could not be decrypted with MFA_ENCRYPTION_KEY (or, when "
            "unset, SECRET_KEY) nor its fallbacks: the key it was encrypted with was changed "
            "without being kept as a fallback."
        ) from None


def reencrypted(value: str, current: Fernet, multi: MultiFernet) -> str:
    """The value encrypted with the current key: plaintext encrypted, older keys rotated, and
    a value already under the current key left as it is."""
    if not is_encrypted(value):
        return PREFIX + current.encrypt(value.encode()).decode("ascii")
    token = value.removeprefix(PREFIX).encode("ascii")
    try:
        current.decrypt(token)
    except InvalidToken:
        return PREFIX + multi.rotate(token).decode("ascii")
    return value


def reencrypt_data(data: dict[str, Any]) -> dict[str, Any]:
    """An authenticator's data with every secret in it encrypted with the current key."""
    secrets = key_secrets()
    current, multi = _fernet(secrets[0]), MultiFernet([_fernet(s) for s in secrets])
    data = dict(data)
    for field in SECRET_FIELDS:
        if isinstance(data.get(field), str):
            data[field] = reencrypted(data[field], current, multi)
    for field in SECRET_LIST_FIELDS:
        if isinstance(data.get(field), list):
            data[field] = [reencrypted(str(code), current, multi) for code in data[field]]
    return data


def reencrypt_all() -> tuple[int, int]:
    """Encrypt (or re-encrypt with the current key) every authenticator's secrets, each row
    locked while it is rewritten (a recovery code used meanwhile is not lost); (rows
    rewritten, rows in all)."""
    from allauth.mfa.models import Authenticator

    changed = 0
    ids = list(Authenticator.objects.order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            authenticator = Authenticator.objects.select_for_update().filter(pk=pk).first()
            if authenticator is None:
                continue
            data = reencrypt_data(authenticator.data)
            if data != authenticator.data:
                authenticator.data = data
                authenticator.save(update_fields=["data"])
                changed += 1
    return changed, len(ids)
