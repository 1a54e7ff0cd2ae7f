"""`check --deploy`: an email service provider's tracking webhook is served only when it is
authenticated (subscribers/tracking.py), so say when it is not, and when it cannot start."""

import warnings
from typing import Any

from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .tracking import configured_esp, tracking_view_class, webhook_secrets


@register(Tags.security, deploy=True)
def check_tracking_webhook(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    esp = configured_esp()
    if esp is None:
        return []  # plain SMTP: bounces come back as SMTP replies
    view_class = tracking_view_class(esp)
    if view_class is None:
        return []  # a backend without a tracking webhook (anymail's test or console backend)
    if not webhook_secrets():
        return [
            Warning(
                f"EMAIL_BACKEND sends through {esp}, but its tracking webhook has no secret, so "
                f"Beacon does not serve /anymail/{esp}/tracking/ and hears of no bounce or "
                "complaint: addresses that bounce keep being mailed.",
                hint="Set ANYMAIL_WEBHOOK_SECRET=user:password and give the provider "
                f"https://user:password@<your host>/anymail/{esp}/tracking/ "
                "(docs/notifications.md).",
                id="beacon.W001",
            )
        ]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            view_class()
    except Exception as error:
        return [
            Error(
                f"The {esp} tracking webhook cannot start: {error}",
                hint="Set the provider's webhook keys as ANYMAIL_<NAME> variables, as django-"
                "anymail names them (e.g. ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY), or install the "
                "package the message names.",
                id="beacon.E001",
            )
        ]
    return []
