"""Public identifiers: 12 characters of [0-9a-z], like the codes Statuspage clients expect."""

import secrets
import string

ALPHABET = string.digits + string.ascii_lowercase
LENGTH = 12


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
