"""The second factor's secrets are encrypted in the database, and secrets stored before that (or
under an older key) keep working until `encrypt_mfa_secrets` encrypts them with the current one."""

import json
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from statuspage import mfa_secrets
from tests.support.totp import totp_code

from .test_totp import ADMIN_INDEX, new_client, set_up_totp, sign_in_with_password

pytestmark = pytest.mark.django_db

KEY_A = "first-mfa-encryption-key-" + "a" * 30
KEY_B = "second-mfa-encryption-key-" + "b" * 30
LEGACY_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def signs_in_with_code(code: str) -> bool:
    client = new_client()
    sign_in_with_password(client, "alice", "correct horse battery")
    client.post("/accounts/2fa/authenticate/", {"code": code})
    return client.get(ADMIN_INDEX).status_code == 200


def stored(alice, kind: str) -> dict:
    return Authenticator.objects.get(user=alice, type=kind).data


def encrypt_command() -> str:
    out = StringIO()
    call_command("encrypt_mfa_secrets", stdout=out)
    return out.getvalue()


@pytest.fixture
def alice_with_plaintext_totp(alice, mfa_on) -> None:
    """TOTP and recovery codes as allauth stored them before Beacon encrypted them."""
    Authenticator.objects.create(
        user=alice, type=Authenticator.Type.TOTP, data={"secret": LEGACY_SECRET}
    )
    Authenticator.objects.create(
        user=alice,
        type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": "ab" * 40, "used_mask": 0},
    )


def test_the_database_holds_no_secret_of_the_app_nor_any_recovery_code(alice, mfa_on):
    client = new_client()
    sign_in_with_password(client, "alice", "correct horse battery")

    secret, recovery_codes = set_up_totp(client)

    rows = json.dumps(list(Authenticator.objects.filter(user=alice).values_list("data", flat=True)))
    assert secret not in rows
    assert not any(code in rows for code in recovery_codes)
    assert stored(alice, Authenticator.Type.TOTP)["secret"].startswith("fernet:")
    assert stored(alice, Authenticator.Type.RECOVERY_CODES)["seed"].startswith("fernet:")
    assert signs_in_with_code(totp_code(secret))


def test_a_secret_stored_before_encryption_still_signs_in(alice_with_plaintext_totp):
    assert signs_in_with_code(totp_code(LEGACY_SECRET))


def test_the_command_encrypts_plaintext_secrets_and_they_keep_working(
    alice, alice_with_plaintext_totp
):
    codes = RecoveryCodes(Authenticator.objects.get(type="recovery_codes")).generate_codes()

    assert "2 of 2 authenticators encrypted" in encrypt_command()

    assert LEGACY_SECRET not in json.dumps(stored(alice, Authenticator.Type.TOTP))
    assert stored(alice, Authenticator.Type.RECOVERY_CODES)["seed"].startswith("fernet:")
    assert signs_in_with_code(totp_code(LEGACY_SECRET))
    assert signs_in_with_code(codes[3])
    assert "0 of 2 authenticators encrypted" in encrypt_command()


def test_a_new_key_reads_the_old_one_as_a_fallback_until_the_command_rotates_it(
    alice, alice_with_plaintext_totp, settings
):
    settings.SIGNIN_MFA_ENCRYPTION_KEY = KEY_A
    encrypt_command()
    under_a = stored(alice, Authenticator.Type.TOTP)["secret"]

    settings.SIGNIN_MFA_ENCRYPTION_KEY = KEY_B
    settings.SIGNIN_MFA_ENCRYPTION_KEY_FALLBACKS = [KEY_A]
    assert signs_in_with_code(totp_code(LEGACY_SECRET))
    assert "2 of 2 authenticators encrypted" in encrypt_command()
    assert stored(alice, Authenticator.Type.TOTP)["secret"] != under_a

    settings.SIGNIN_MFA_ENCRYPTION_KEY_FALLBACKS = []
    assert signs_in_with_code(totp_code(LEGACY_SECRET, step_offset=1))


def test_a_key_changed_without_a_fallback_says_so_rather_than_accept_any_code(settings):
    settings.SIGNIN_MFA_ENCRYPTION_KEY = KEY_A
    token = mfa_secrets.encrypt(LEGACY_SECRET)
    settings.SIGNIN_MFA_ENCRYPTION_KEY = KEY_B

    with pytest.raises(ImproperlyConfigured, match="fallback"):
        mfa_secrets.decrypt(token)


def test_without_a_key_of_its_own_the_key_follows_secret_key_and_its_fallbacks(settings):
    token = mfa_secrets.encrypt(LEGACY_SECRET)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-" + "c" * 40

    assert mfa_secrets.decrypt(token) == LEGACY_SECRET


def test_signing_in_after_the_key_was_lost_gets_a_page_that_says_so_and_keeps_the_factor(
    alice, alice_with_plaintext_totp, settings
):
    settings.SIGNIN_MFA_ENCRYPTION_KEY = KEY_A
    encrypt_command()
    before = stored(alice, Authenticator.Type.TOTP)
    settings.SIGNIN_MFA_ENCRYPTION_KEY = KEY_B

    client = new_client()
    sign_in_with_password(client, "alice", "correct horse battery")
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(LEGACY_SECRET)})

    assert response.status_code == 503
    assert b"MFA_ENCRYPTION_KEY_FALLBACKS" in response.content
    assert client.get(ADMIN_INDEX).status_code != 200
    assert stored(alice, Authenticator.Type.TOTP) == before

    settings.SIGNIN_MFA_ENCRYPTION_KEY_FALLBACKS = [KEY_A]
    assert signs_in_with_code(totp_code(LEGACY_SECRET, step_offset=1))
