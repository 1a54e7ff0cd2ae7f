from django.urls import include, path

from statuspage.admin_site import site as admin_site
from statuspage.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin_site.urls),
    path("", include("public.urls")),
]

handler404 = "public.views.not_found"
