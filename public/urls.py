from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/<str:incident_id>", views.incident, name="incident"),
    path("maintenance/<str:maintenance_id>", views.maintenance, name="maintenance"),
    path("history", views.history, name="history"),
]
