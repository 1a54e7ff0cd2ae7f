"""Chat channels (Slack, Microsoft Teams, Discord, Google Chat): incoming-webhook URLs that take
one JSON message per update, in each provider's own format.

`notice.py` gathers what every chat message says (`ChatNotice`) and its wording from the
templates in subscribers/templates/chat/; `markdown.py` turns update bodies (and that wording)
into each provider's formatting; one module per provider (`slack.py`, `discord.py`, …) turns it
into that provider's JSON (the card providers, Teams and Google Chat, share `cards.py` and
`markdown_cards.py`); `transport.py` posts it with the webhook transport's bounds. Adding
a channel, with its test message, is subscribers/chat_signup.py.
"""
