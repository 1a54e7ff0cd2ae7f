from django.urls import URLPattern, URLResolver, path

from . import sms_views, tracking, views

app_name = "subscribers"

urlpatterns: list[URLPattern | URLResolver] = [
    path("subscribe", views.subscribe, name="subscribe"),
    path("subscribe/webhook", views.subscribe_webhook, name="subscribe_webhook"),
    *[
        path(
            f"subscribe/{slug}",
            views.subscribe_chat,
            {"channel": channel.value},
            name=f"subscribe_{channel.value}",
        )
        for channel, slug in views.CHAT_PATHS.items()
    ],
    # SMS (subscribers/sms_views.py): sign-up, the code page, Twilio's inbound webhook.
    path("subscribe/sms", sms_views.subscribe_sms, name="subscribe_sms"),
    path("subscribe/sms/verify", sms_views.verify_sms, name="sms_verify"),
    path("sms/twilio/inbound", sms_views.twilio_inbound, name="twilio_inbound"),
    path("sms/twilio/status", sms_views.twilio_status, name="twilio_status"),
    path("subscriptions/confirm/<str:token>", views.confirm, name="confirm"),
    path("subscriptions/<str:token>", views.manage, name="manage"),
    path("subscriptions/<str:token>/unsubscribe", views.unsubscribe, name="unsubscribe"),
    path("webhooks", views.webhook_docs, name="webhook_docs"),
    # The email service provider's tracking webhook (bounces, complaints): a 404 unless it is
    # the configured provider's and a secret is set (see subscribers/tracking.py).
    path("anymail/<slug:esp>/tracking/", tracking.tracking_webhook, name="tracking_webhook"),
]
