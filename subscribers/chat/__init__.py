"""Chat channels (Slack, Microsoft Teams, Discord, Google Chat): incoming-webhook URLs that take
one JSON message per update, in each provider's own format.

`notice.py` gathers what every chat message says (`ChatNotice`); one module per provider turns
it into that provider's JSON; `transport.py` posts it with the webhook transport's bounds.
"""
