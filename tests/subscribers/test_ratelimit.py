"""Each provider has its own sending rate, kept in Redis for every sender, and its own
throttling: a provider that asks us to slow down slows down only its own messages."""

import threading
import time
from collections import Counter

import pytest
import redis

from subscribers import ratelimit
from tests.support.processes import start_up_refusal


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    """No counter or throttle flag left over from another test in the same seconds."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter("beacon:notify:*"):
        client.delete(key)
    ratelimit._local_throttled_until.clear()
    ratelimit._local_windows.clear()
    yield
    for key in client.scan_iter("beacon:notify:*"):
        client.delete(key)
    ratelimit._local_throttled_until.clear()
    ratelimit._local_windows.clear()


def grants_per_second(providers: dict[str, int], messages_each: int) -> Counter[tuple[str, int]]:
    """Several senders per provider acquire tokens at once; the grants counted per second."""
    seconds: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()

    def send(provider: str) -> None:
        for _ in range(messages_each):
            ratelimit.acquire(provider)
            with lock:
                seconds[provider, int(time.time())] += 1

    threads = [
        threading.Thread(target=send, args=(provider,))
        for provider, senders in providers.items()
        for _ in range(senders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seconds


def test_senders_together_stay_under_each_providers_own_limit(settings):
    settings.NOTIFY_RATE_PER_SECOND = 20
    settings.NOTIFY_RATES = {**settings.NOTIFY_RATES, "slack": 5}

    seconds = grants_per_second({"email": 4, "slack": 2}, messages_each=8)

    assert sum(n for (provider, _), n in seconds.items() if provider == "email") == 32
    assert sum(n for (provider, _), n in seconds.items() if provider == "slack") == 16
    assert max(n for (provider, _), n in seconds.items() if provider == "email") <= 20
    assert max(n for (provider, _), n in seconds.items() if provider == "slack") <= 5


def test_a_throttling_reply_quarters_the_rate_of_that_provider_alone(settings):
    settings.NOTIFY_RATE_PER_SECOND = 40
    settings.NOTIFY_RATES = {**settings.NOTIFY_RATES, "slack": 40}
    ratelimit.throttled("slack")
    ratelimit.next_second()

    slack = ratelimit.take("slack", 40)
    email = ratelimit.take("email", 40)

    assert slack.count == 10
    assert email.count == 40
    assert ratelimit.is_throttled("slack")
    assert not ratelimit.is_throttled("email")


def test_a_sender_takes_what_is_left_of_the_second_and_gives_back_what_it_did_not_use(settings):
    settings.NOTIFY_RATES = {**settings.NOTIFY_RATES, "twilio": 10}
    ratelimit.next_second()

    first = ratelimit.take("twilio", 8)
    second = ratelimit.take("twilio", 8)
    ratelimit.give_back(first, 5)  # only three were due
    third = ratelimit.take("twilio", 8)
    fourth = ratelimit.take("twilio", 8)

    assert (first.count, second.count, third.count, fourth.count) == (8, 2, 5, 0)


def test_without_redis_each_process_keeps_every_providers_limit_itself(settings):
    settings.REDIS_URL = ""
    settings.NOTIFY_RATE_PER_SECOND = 10
    settings.NOTIFY_RATES = {**settings.NOTIFY_RATES, "slack": 3}
    ratelimit.throttled("email")
    ratelimit.next_second()

    slack = [ratelimit.take("slack", 2).count for _ in range(3)]
    email = [ratelimit.take("email", 2).count for _ in range(3)]

    assert slack == [2, 1, 0]
    assert email == [2, 0, 0]  # a quarter of 10


def test_a_provider_without_a_limit_of_its_own_gets_the_generic_webhooks(settings):
    settings.NOTIFY_RATES = {**settings.NOTIFY_RATES, "webhook": 7}

    assert ratelimit.limit("pagerduty") == 7


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("slack=fast", "'slack=fast' must be provider=messages per second"),
        ("slack=0", "'slack=0' must be provider=messages per second"),
        ("slack", "'slack' must be provider=messages per second"),
        ("slak=5", "'slak' is not a provider Beacon sends through"),
        ("email=5", "NOTIFY_RATE_PER_SECOND"),
    ],
)
def test_a_malformed_notify_rates_stops_start_up_saying_what_is_wrong(tmp_path, value, says):
    last = start_up_refusal(tmp_path, NOTIFY_RATES=value)

    assert "ImproperlyConfigured" in last
    assert "NOTIFY_RATES" in last
    assert says in last


def test_notify_rates_overrides_the_defaults_it_names():
    from statuspage.settings import NOTIFY_RATE_DEFAULTS, _notify_rates

    rates = _notify_rates(" slack=50, twilio = 5 ,")

    assert rates == NOTIFY_RATE_DEFAULTS | {"slack": 50, "twilio": 5}
