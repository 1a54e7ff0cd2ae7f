from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "public"

    def ready(self) -> None:
        from snapshots import documents

        from .documents import ROUTES

        documents.register(self.name, *ROUTES)
