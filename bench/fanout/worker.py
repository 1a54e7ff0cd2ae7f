"""A Celery worker for the benchmark: `python bench/fanout/worker.py <celery worker options>`.

The mixed run sends to Slack and SMS subscribers. Where subscribers/channels.py has no transport
for one of those channels yet, a stand-in carries it: the generic webhook transport posting to
the subscriber's endpoint (the bench's local sink), counted under the provider's name, so the
pipeline claims, rate-limits and records it as that provider's. With the real transports in the
table, they are used as they are.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

STAND_INS = {"slack": "slack", "sms": "twilio"}  # channel: provider


def install_stand_ins() -> list[str]:
    """Put a stand-in in the table for each mixed-run channel that has no transport; which."""
    from subscribers.channels import TRANSPORTS
    from subscribers.transports import WebhookTransport

    installed = []
    for channel, provider in STAND_INS.items():
        if channel not in TRANSPORTS:
            TRANSPORTS[channel] = type(
                f"StandIn{provider.title()}Transport", (WebhookTransport,), {"provider": provider}
            )
            installed.append(channel)
    return installed


if __name__ == "__main__":
    import django

    django.setup()
    install_stand_ins()
    from statuspage.celery import app

    app.worker_main(["worker", *sys.argv[1:]])
