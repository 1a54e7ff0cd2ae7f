from django.urls import include, path

from pages.switcher import switch_page
from pages.team_views import accept_view
from statuspage.admin_site import site as admin_site
from statuspage.health import healthz
from statuspage.signin import register_admin

register_admin()  # before admin_site.urls below lists the registered models' pages

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/switch-page/", admin_site.admin_view(switch_page), name="admin_switch_page"),
    path("admin/", admin_site.urls),
    path("invitations/<str:token>/", accept_view, name="team_accept"),
    # Operator sign-in (statuspage/signin.py); answers 404 while it is not configured.
    path("accounts/", include("allauth.urls")),
    # Viewers of private pages signing in and out (pages/viewer_views.py).
    path("", include("pages.urls")),
    path("", include("api.urls")),
    path("", include("operator_api.urls")),
    path("", include("hooks.urls")),
    path("", include("monitors.urls")),  # heartbeats: /heartbeat/<token>
    path("", include("subscribers.urls")),
    # Viewers of a private page signing in through OpenID Connect (pages/viewer_oidc.py).
    path("", include("pages.viewer_oidc")),
    path("", include("public.urls")),
]

handler404 = "public.views.not_found"
