from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("heartbeat/<str:token>", views.heartbeat, name="heartbeat"),
    path("heartbeat/<str:token>/fail", views.heartbeat_failed, name="heartbeat_failed"),
]
