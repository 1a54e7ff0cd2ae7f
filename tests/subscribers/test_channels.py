"""Each channel is carried by the transport subscribers/channels.py names for it, so a new
channel plugs in there, without a change to the senders."""

from subscribers import tasks
from subscribers.channels import TRANSPORTS
from subscribers.messages import EventMessage
from subscribers.models import Channel, Delivery, DeliveryStatus, Subscriber
from subscribers.transports import Outcome, Result, Transport
from tests.subscribers.test_pipeline import open_api_incident
from tests.subscribers.test_senders import active_webhook, fan_out_everything


def test_every_channel_has_a_transport():
    assert set(TRANSPORTS) == set(Channel.values)
    assert all(issubclass(transport, Transport) for transport in TRANSPORTS.values())


def test_the_transport_in_the_table_is_the_one_that_sends(receiver, page, api, monkeypatch):
    sent: list[tuple[str, str]] = []

    class Chat(Transport):
        pooled = True

        def prepare(self, subscriber: Subscriber, message: EventMessage) -> str:
            return f"{message.payload['incident']['name']}: {message.payload['incident']['status']}"

        def deliver(self, subscriber: Subscriber, prepared: str) -> Result:
            sent.append((subscriber.pk, prepared))
            return Result(Outcome.SENT)

    monkeypatch.setitem(TRANSPORTS, Channel.WEBHOOK, Chat)
    hook = active_webhook(page, receiver.url)
    open_api_incident(page, api)
    fan_out_everything()
    tasks.send_due()

    assert sent == [(hook.pk, "Elevated API errors: investigating")]
    assert receiver.requests == []
    assert Delivery.objects.get(subscriber=hook).status == DeliveryStatus.SENT
