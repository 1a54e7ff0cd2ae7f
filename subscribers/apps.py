from django.apps import AppConfig


class SubscribersConfig(AppConfig):
    name = "subscribers"

    def ready(self) -> None:
        from anymail.signals import tracking

        from . import checks  # noqa: F401  (registers the deploy checks)
        from .sms import checks as sms_checks  # noqa: F401  (registers Twilio's settings check)
        from .tracking import handle_tracking

        tracking.connect(handle_tracking, dispatch_uid="beacon-suppress-bounces")
