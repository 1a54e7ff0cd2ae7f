"""Which transport carries each channel.

A new channel (Slack, Teams, Discord, SMS) is a `Channel` choice, a `Transport` subclass in a
module of its own, and its line here. The senders (sending.py) and the tasks choose transports
only through this table, so nothing else in the pipeline changes.
"""

from .chat.discord import DiscordTransport
from .chat.google_chat import GoogleChatTransport
from .chat.slack import SlackTransport
from .chat.teams import TeamsTransport
from .models import Channel
from .sms.transport import SmsTransport
from .transports import EmailTransport, Transport, WebhookTransport

TRANSPORTS: dict[str, type[Transport]] = {
    Channel.EMAIL: EmailTransport,
    Channel.WEBHOOK: WebhookTransport,
    Channel.TEAMS: TeamsTransport,
    Channel.GOOGLE_CHAT: GoogleChatTransport,
    Channel.SLACK: SlackTransport,
    Channel.DISCORD: DiscordTransport,
    Channel.SMS: SmsTransport,
}
