"""Links to the chat sign-ups a page offers, for the subscribe pages and the home page."""

from django import template
from django.urls import reverse

from pages.models import Page
from subscribers.models import CHAT_CHANNELS, Channel
from subscribers.views import offers_chat_signup

register = template.Library()


@register.simple_tag
def chat_signups(page: Page) -> list[dict[str, str]]:
    """[{"label": "Slack", "url": "/subscribe/slack"}, ...]; no queries."""
    return [
        {"label": Channel(channel).label, "url": reverse(f"subscribers:subscribe_{channel}")}
        for channel in CHAT_CHANNELS
        if offers_chat_signup(page, channel)
    ]
