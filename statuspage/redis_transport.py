"""The Redis transport Beacon's worker consumes with: kombu's, made to fail like a lost
connection when it is used after losing its connection, rather than with AttributeError.

When the worker loses Redis it gives up on the connection in two steps: it collects it (closing
the channels, within a short socket timeout) and then releases it. On a busy machine the first
step can time out half-way, leaving a channel open on a transport that no longer knows its
server. Closing that channel (to give back its unacknowledged messages), or acknowledging a
task that finished meanwhile, then asks kombu for a connection pool it cannot build, and kombu
raises AttributeError. That is not a connection error, so the worker takes it as unrecoverable
and exits, and every notification waits for a process manager to start it again.

Here that case raises redis's ConnectionError, which the worker treats as what it is, and goes on
reconnecting; and settling a message on a channel already closed is a no-op, since closing the
channel gave the message back (or Redis's visibility timeout will). Beacon's tasks are safe to run
twice (subscribers/sending.py leases each delivery), so the redelivered copy does no harm.
"""

import logging
from typing import Any

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)


class QoS(redis.QoS):
    def ack(self, delivery_tag: str) -> None:
        if self.channel.closed:
            logger.warning(
                "message %s settled after its channel closed; Redis gives it back", delivery_tag
            )
            return
        super().ack(delivery_tag)

    def reject(self, delivery_tag: str, requeue: bool = False) -> None:
        if self.channel.closed:
            logger.warning(
                "message %s settled after its channel closed; Redis gives it back", delivery_tag
            )
            return
        super().reject(delivery_tag, requeue=requeue)


class Channel(redis.Channel):
    QoS = QoS

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("the connection to Redis was given up")
        return super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]


class Transport(redis.Transport):
    Channel = Channel
