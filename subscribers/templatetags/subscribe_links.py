"""Links to the chat and SMS sign-ups a page offers (the subscribe pages, the home page), and how a
subscriber is named and signed up again on its manage and unsubscribe pages."""

from django import template
from django.urls import reverse

from pages.models import Page
from subscribers.models import CHAT_CHANNELS, Channel, Subscriber
from subscribers.sms import configured as sms_configured
from subscribers.views import offers_chat_signup

register = template.Library()


@register.simple_tag
def chat_signups(page: Page) -> list[dict[str, str]]:
    """[{"label": "Slack", "url": "/subscribe/slack"}, ..., {"label": "SMS", ...}]; no queries.
    SMS is offered when the page switches it on and Twilio is set up."""
    links = [
        {"label": Channel(channel).label, "url": reverse(f"subscribers:subscribe_{channel}")}
        for channel in CHAT_CHANNELS
        if offers_chat_signup(page, channel)
    ]
    if page.offers_signup(Channel.SMS) and sms_configured():
        links.append({"label": Channel.SMS.label, "url": reverse("subscribers:subscribe_sms")})
    return links


@register.filter
def shown_address(subscriber: Subscriber) -> str:
    """How a subscriber is named on its manage and unsubscribe pages, which are linked from every
    message in the channel: a chat channel by its host only."""
    return subscriber.shown_address


@register.simple_tag
def signup_url(subscriber: Subscriber) -> str:
    """Where this subscriber's kind of subscription is signed up for again."""
    if subscriber.channel in CHAT_CHANNELS:
        return reverse(f"subscribers:subscribe_{subscriber.channel}")
    if subscriber.channel == Channel.WEBHOOK:
        return reverse("subscribers:subscribe_webhook")
    if subscriber.channel == Channel.SMS:
        return reverse("subscribers:subscribe_sms")
    return reverse("subscribers:subscribe")
