"""Keeping API keys out of the logs.

Alertmanager and Grafana can only be given a URL, so the hooks take an operator API key in the
path (`/hooks/alertmanager/<key>`) or, like the operator API, in `?api_key=`. Access logs and
Django's request warnings ("Bad Request: /hooks/…") print URLs, so this filter, on the web
server's access log (statuspage/web.py) and on Django's log handler (settings.LOGGING), masks
such keys before a line is written. The key's public prefix stays, so a line still tells which
key was used (as the admin lists them: `bk_abcd1234_…`).
"""

import logging
import re

MASK = "…"

# An operator API key anywhere in a line (operator_api.models: bk_, 8-character prefix, secret).
_KEY = re.compile(r"\b(bk_[0-9A-Za-z]{8}_)[0-9A-Za-z_\-]+")
# Whatever was given as a hook's token or as ?api_key=, key-shaped or not.
_HOOK_TOKEN = re.compile(r"(/hooks/[0-9A-Za-z_\-]+/)(?!bk_[0-9A-Za-z]{8}_…)[^/?#\s\"']+")
_QUERY_KEY = re.compile(r"((?:^|[?&\s])api_key=)(?!bk_[0-9A-Za-z]{8}_…)[^&#\s\"']+")


def redact(text: str) -> str:
    text = _KEY.sub(rf"\g<1>{MASK}", text)
    text = _HOOK_TOKEN.sub(rf"\g<1>{MASK}", text)
    return _QUERY_KEY.sub(rf"\g<1>{MASK}", text)


class RedactKeys(logging.Filter):
    """Masks API keys in a record's message (and its arguments); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's to report, unchanged
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
