"""`check`: Twilio's settings are all set or all unset, and the sender is one Twilio takes.

Half a configuration fails quietly otherwise: sign-up stays off, or every text is retried
against an API that refuses it."""

import re
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

SENDER = re.compile(r"\+[1-9][0-9]{1,14}|MG[0-9a-fA-F]{32}")
ACCOUNT = re.compile(r"AC[0-9a-fA-F]{32}")
NAMES = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM")


@register()
def check_twilio(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    values = {name: getattr(settings, name, "") for name in NAMES}
    missing = [name for name, value in values.items() if not value]
    if len(missing) == len(NAMES):
        return []  # SMS is off
    if missing:
        return [
            Error(
                f"SMS is half set up: {', '.join(missing)} missing, so no text is sent.",
                hint="Set all of TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or none.",
                id="beacon.E101",
            )
        ]
    problems: list[CheckMessage] = []
    if not ACCOUNT.fullmatch(values["TWILIO_ACCOUNT_SID"]):
        problems.append(
            Error(
                "TWILIO_ACCOUNT_SID is not an account SID (AC followed by 32 hex digits).",
                id="beacon.E102",
            )
        )
    if not SENDER.fullmatch(values["TWILIO_FROM"]):
        problems.append(
            Error(
                "TWILIO_FROM is neither a number in E.164 (+14155550100) nor a Messaging "
                "Service SID (MG followed by 32 hex digits).",
                id="beacon.E103",
            )
        )
    return problems
