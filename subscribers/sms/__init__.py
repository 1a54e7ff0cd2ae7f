"""SMS subscribers, through Twilio's Messages API.

`numbers.py` turns what a person types into E.164 and refuses what cannot take a text;
`text.py` fits a message into one or two segments; `codes.py` holds the verification codes and
`services.py` every SMS write (sign-up, verification, STOP and START); `transport.py` posts to
Twilio and reads its answers; `inbound.py` checks the signature of Twilio's inbound webhook.

The channel is off until TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are set.
"""

from pages.models import sms_configured as configured

__all__ = ["configured"]
