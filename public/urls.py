from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("fragments/home", views.home_fragment, name="home_fragment"),
    path("incidents/<str:incident_id>", views.incident, name="incident"),
    path("incidents/<str:incident_id>/fragment", views.incident_fragment, name="incident_fragment"),
    path("maintenance/<str:maintenance_id>", views.maintenance, name="maintenance"),
    path("history", views.history, name="history"),
    path("brand.css", views.brand_css, name="brand_css"),
]
