from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "subscribers"

urlpatterns: list[URLPattern | URLResolver] = [
    path("subscribe", views.subscribe, name="subscribe"),
    path("subscribe/webhook", views.subscribe_webhook, name="subscribe_webhook"),
    path("subscriptions/confirm/<str:token>", views.confirm, name="confirm"),
    path("subscriptions/<str:token>", views.manage, name="manage"),
    path("subscriptions/<str:token>/unsubscribe", views.unsubscribe, name="unsubscribe"),
    path("webhooks", views.webhook_docs, name="webhook_docs"),
    # Email service providers' tracking webhooks (bounces, complaints): see docs/notifications.md.
    path("anymail/", include("anymail.urls")),
]
