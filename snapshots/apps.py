from django.apps import AppConfig


class SnapshotsConfig(AppConfig):
    name = "snapshots"

    def ready(self) -> None:
        from events.tasks import nudge_hooks

        from .publisher import nudge

        if nudge not in nudge_hooks:
            nudge_hooks.append(nudge)
