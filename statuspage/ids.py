"""Public identifiers: 12 characters of [0-9a-z], like the codes Statuspage clients expect."""

import re
import secrets
import string

ALPHABET = string.digits + string.ascii_lowercase
LENGTH = 12

# What public URLs accept as an id: 1 to LENGTH characters of ALPHABET, as every id Beacon
# writes is. Anything else is answered with a 404 before it reaches the database or the store.
ID_PATTERN = rf"[0-9a-z]{{1,{LENGTH}}}"
_PUBLIC_ID = re.compile(ID_PATTERN)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def is_public_id(value: str) -> bool:
    return _PUBLIC_ID.fullmatch(value) is not None
