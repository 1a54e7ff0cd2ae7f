from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("hooks/alertmanager", views.alertmanager),
    path("hooks/alertmanager/<str:token>", views.alertmanager),
    path("hooks/grafana", views.grafana),
    path("hooks/grafana/<str:token>", views.grafana),
]
