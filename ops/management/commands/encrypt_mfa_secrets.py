"""Encrypt the second factor's secrets stored before encryption, and re-encrypt those under an
older MFA_ENCRYPTION_KEY with the current one (statuspage/mfa_secrets.py). Safe to run at any
time and more than once; afterwards the fallback keys may be dropped."""

from typing import Any

from django.core.management.base import BaseCommand

from statuspage.mfa_secrets import reencrypt_all


class Command(BaseCommand):
    help = "Encrypt second-factor secrets with the current MFA_ENCRYPTION_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        changed, total = reencrypt_all()
        self.stdout.write(f"{changed} of {total} authenticators encrypted with the current key.")
