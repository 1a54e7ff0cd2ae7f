from django.urls import include, path

from statuspage.admin_site import site as admin_site
from statuspage.health import healthz
from statuspage.signin import register_admin

register_admin()  # before admin_site.urls below lists the registered models' pages

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin_site.urls),
    # Operator sign-in (statuspage/signin.py); answers 404 while it is not configured.
    path("accounts/", include("allauth.urls")),
    # Viewers of private pages signing in and out (pages/viewer_views.py).
    path("", include("pages.urls")),
    path("", include("api.urls")),
    path("", include("operator_api.urls")),
    path("", include("hooks.urls")),
    path("", include("subscribers.urls")),
    # Viewers of a private page signing in through OpenID Connect (pages/viewer_oidc.py).
    path("", include("pages.viewer_oidc")),
    path("", include("public.urls")),
]

handler404 = "public.views.not_found"
