"""One sending rate for every sender, kept in Redis; throttling replies slow everyone down."""

import threading
import time
from collections import Counter

import redis

from subscribers import ratelimit


def grants_per_second(senders: int, messages_each: int) -> Counter[int]:
    seconds: Counter[int] = Counter()
    lock = threading.Lock()

    def send() -> None:
        for _ in range(messages_each):
            ratelimit.acquire()
            with lock:
                seconds[int(time.time())] += 1

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seconds


def test_senders_together_stay_under_the_shared_limit(settings):
    settings.NOTIFY_RATE_PER_SECOND = 20
    redis.Redis.from_url(settings.REDIS_URL).delete(ratelimit.THROTTLED)

    seconds = grants_per_second(senders=4, messages_each=15)

    assert sum(seconds.values()) == 60
    assert max(seconds.values()) <= 20


def test_a_throttling_reply_quarters_the_rate_for_every_sender(settings):
    settings.NOTIFY_RATE_PER_SECOND = 40
    ratelimit.throttled()
    try:
        seconds = grants_per_second(senders=2, messages_each=10)
    finally:
        redis.Redis.from_url(settings.REDIS_URL).delete(ratelimit.THROTTLED)
        ratelimit._local_throttled_until = 0.0

    assert sum(seconds.values()) == 20
    assert max(seconds.values()) <= 10
