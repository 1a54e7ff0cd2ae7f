"""TOTP codes computed from the shared secret as an authenticator app does (RFC 6238: HMAC-SHA1,
30-second steps, 6 digits), independently of the code that checks them."""

import base64
import hashlib
import hmac
import struct
import time


def totp_code(secret: str, at: float | None = None, step_offset: int = 0) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def wrong_code(secret: str) -> str:
    """A code that no step near now accepts."""
    near = {totp_code(secret, step_offset=offset) for offset in range(-2, 3)}
    return next(f"{n:06d}" for n in range(123456, 10**6) if f"{n:06d}" not in near)
