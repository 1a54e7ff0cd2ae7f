from django.urls import include, path

from statuspage.admin_site import site as admin_site
from statuspage.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin_site.urls),
    path("", include("api.urls")),
    path("", include("operator_api.urls")),
    path("", include("hooks.urls")),
    path("", include("subscribers.urls")),
    path("", include("public.urls")),
]

handler404 = "public.views.not_found"
