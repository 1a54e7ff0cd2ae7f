from django.urls import path

from . import viewer_views

# Names without a namespace: the viewer's sign-in is one of the site's fixed places.
urlpatterns = [
    path("viewer/", viewer_views.viewer_home, name="viewer-home"),
    path("viewer/sign-in", viewer_views.sign_in, name="viewer-sign-in"),
    path("viewer/link/<str:token>", viewer_views.use_link, name="viewer-link"),
    path("viewer/sign-out", viewer_views.sign_out, name="viewer-sign-out"),
]
