"""SMS subscribers, through Twilio's Messages API.

`numbers.py` turns what a person types into E.164 and refuses what cannot take a text;
`text.py` fits a message into one or two segments; `codes.py` holds the verification codes and
`services.py` every SMS write (sign-up, verification, STOP and START); `transport.py` posts to
Twilio and reads its answers; `inbound.py` checks the signature of Twilio's inbound webhook.

The channel is off until TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are set.
"""

from django.conf import settings


def configured() -> bool:
    """Whether Beacon can send texts: Twilio's account, token and sender are all set."""
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM)
