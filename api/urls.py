from django.urls import URLPattern, URLResolver, path, re_path

from . import views
from .documents import DOCUMENTS

app_name = "api"

API_PATHS = [name for name in DOCUMENTS if name.startswith("api/v2/")]

urlpatterns: list[URLPattern | URLResolver] = [
    *(
        path(name, views.api_view(views.document_view(name)), name=name.removeprefix("api/v2/"))
        for name in API_PATHS
    ),
    re_path(r"^api/v2/(?P<rest>.*)$", views.api_not_found, name="not_found"),
    path("history.atom", views.document_view("history.atom"), name="history_atom"),
    path("history.rss", views.document_view("history.rss"), name="history_rss"),
    path("maintenance.ics", views.calendar, name="calendar"),
    path("badge.svg", views.badge, name="badge"),
    path("embed", views.embed, name="embed"),
    path("embed.js", views.embed_script, name="embed_script"),
    # Before the public site's own route: shortlinks of maintenance use this form too.
    path("incidents/<str:incident_id>", views.incident_or_maintenance, name="incident"),
]
