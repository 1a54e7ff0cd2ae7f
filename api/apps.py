from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"

    def ready(self) -> None:
        from snapshots import documents

        from .routes import ROUTES

        documents.register(self.name, *ROUTES)
