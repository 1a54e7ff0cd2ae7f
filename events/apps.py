from django.apps import AppConfig
from django.core import checks


class EventsConfig(AppConfig):
    name = "events"

    def ready(self) -> None:
        from .checks import check_outbox_consumers

        checks.register(check_outbox_consumers)
