from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Commands about the whole of Beacon rather than one app: running it and the demo."""

    name = "ops"
