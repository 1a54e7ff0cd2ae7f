from django.urls import URLPattern, URLResolver, path, re_path

from snapshots.views import urlpatterns as document_urlpatterns

from . import views

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    # The stored documents: api/routes.py lists them.
    *document_urlpatterns(app_name),
    re_path(r"^api/v2/(?P<rest>.*)$", views.api_not_found, name="not_found"),
    path("embed.js", views.embed_script, name="embed_script"),
]
