"""A worker that loses Redis must go on reconnecting, whatever state the loss leaves it in.

Seen in runs of the Redis fault test (tests/subscribers/test_faults.py) on a loaded machine:
Redis went away, the consumer's first attempt to close its connection timed out half-way and
detached the transport while a channel was still open; closing that channel to give back its
unacknowledged task raised AttributeError inside kombu, the worker logged "Unrecoverable error"
and exited, and the update waited for a restart. These tests put a channel in those states on a
real Redis of their own and check what Beacon's transport (statuspage/redis_transport.py) does,
beside kombu's own.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from kombu import Connection, Message, Queue
from kombu.common import ignore_errors
from kombu.transport import redis as kombu_redis

from statuspage.redis_transport import Transport
from tests.support.stack import Redis

QUEUE = Queue("beacon-transport-test")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def publish(url: str, *bodies: dict[str, int]) -> None:
    with Connection(url) as conn, conn.Producer() as producer:
        for body in bodies:
            producer.publish(body, routing_key=QUEUE.name, declare=[QUEUE])


def take(conn: Connection) -> Message:
    taken: list[Message] = []
    with conn.Consumer(QUEUE, callbacks=[lambda body, message: taken.append(message)]):
        conn.drain_events(timeout=5)
    assert taken, "no message arrived"
    return taken[0]


def taken_then_given_up(url: str, transport: type) -> tuple[Connection, Message]:
    """A task taken on a connection which the worker then gave up half-way: the transport
    detached from its server, the channel still open with the task unacknowledged."""
    publish(url, {"n": 1})
    conn = Connection(url, transport=transport)
    message = take(conn)
    conn._do_close_transport()  # what collect() does after its channel close timed out
    assert message.channel is not None
    assert not message.channel.closed
    return conn, message


def unacknowledged(url: str) -> int:
    return int(redis.Redis.from_url(url).hlen("unacked"))


def test_releasing_a_given_up_connection_is_a_connection_error_and_the_task_stays_owed(broker):
    conn, message = taken_then_given_up(broker.url, Transport)
    assert message.channel is not None
    with pytest.raises(redis.ConnectionError):
        message.channel.close()
    ignore_errors(conn, conn.release)  # how the worker releases it: connection errors ignored
    message.ack()  # the task finished meanwhile: nothing to do on a closed channel
    # Not acknowledged, so Redis's visibility timeout gives the task to the next consumer.
    assert unacknowledged(broker.url) == 1


def test_kombus_own_transport_raises_attribute_error_there(broker):
    """Why Beacon has its own transport: if kombu stops raising here, it can go."""
    conn, _ = taken_then_given_up(broker.url, kombu_redis.Transport)
    with pytest.raises(AttributeError):
        ignore_errors(conn, conn.release)


def test_settling_on_a_closed_channel_is_a_no_op_and_the_messages_come_back(broker):
    publish(broker.url, {"n": 1}, {"n": 2})
    conn = Connection(broker.url, transport=Transport)
    first, second = take(conn), take(conn)
    conn.release()  # closing the channel gives both back to the queue

    first.ack()  # a task that finished after the connection was lost
    second.reject(requeue=True)  # or failed and asked to run again

    with Connection(broker.url, transport=Transport) as fresh:
        back = sorted([take(fresh).payload["n"], take(fresh).payload["n"]])
    assert back == [1, 2]
