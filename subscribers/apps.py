from django.apps import AppConfig


class SubscribersConfig(AppConfig):
    name = "subscribers"

    def ready(self) -> None:
        from anymail.signals import tracking

        from events.tasks import nudge_hooks

        from . import checks  # noqa: F401  (registers the deploy checks)
        from .tasks import nudge_event
        from .tracking import handle_tracking

        tracking.connect(handle_tracking, dispatch_uid="beacon-suppress-bounces")
        if nudge_event not in nudge_hooks:
            nudge_hooks.append(nudge_event)
