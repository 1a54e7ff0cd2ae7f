"""A webhook attempt has a total deadline and reads a bounded answer; its target is resolved
once, checked (global addresses only) and connected to as checked; malformed URLs are a form
error. Real hostile servers: a slow loris and an endless body."""

import json
import socket
import time
import tracemalloc

import pytest
from django.core.exceptions import ValidationError

from operator_api.services import create_api_key
from subscribers import services, tasks
from subscribers.models import Channel, Subscriber, SubscriberState
from subscribers.transports import WebhookTransport


def active_webhook(page, url: str) -> Subscriber:
    hook = services.add_webhook_subscriber(page=page, endpoint=url, actor="tests")
    return services.confirm_subscriber(subscriber=hook, actor="tests")


def test_a_huge_response_body_is_not_read(hostile, page):
    huge = hostile("huge")
    hook = active_webhook(page, huge.url)

    tracemalloc.start()
    try:
        result = WebhookTransport().deliver(hook, {"hello": "x" * 1000})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.outcome == "sent"
    assert peak < 1_000_000, peak
    assert huge.closed.wait(10), "the client kept reading the endless body"
    # What the server got out before it noticed: socket buffers' worth, not the body.
    assert huge.bytes_sent < 64 * 2**20


def test_the_confirmation_ping_to_a_huge_body_confirms_without_reading_it(hostile, page):
    # A first confirmation, untraced, so that the traced one measures the call and not the
    # modules and templates the first call in a process loads.
    warm_up = services.add_webhook_subscriber(
        page=page, endpoint=hostile("huge").url, actor="tests"
    )
    tasks.send_confirmation(warm_up.pk)
    huge = hostile("huge")
    hook = services.add_webhook_subscriber(page=page, endpoint=huge.url, actor="tests")

    tracemalloc.start()
    try:
        tasks.send_confirmation(hook.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    hook.refresh_from_db()
    assert hook.state == SubscriberState.ACTIVE
    assert peak < 5_000_000, peak
    assert huge.closed.wait(10)


def test_a_confirmation_ping_to_a_slow_loris_gives_up_at_the_deadline(hostile, page, settings):
    settings.NOTIFY_WEBHOOK_TIMEOUT = 3
    slow = hostile("slow")
    hook = services.add_webhook_subscriber(page=page, endpoint=slow.url, actor="tests")

    started = time.monotonic()
    tasks.send_confirmation(hook.pk)

    assert time.monotonic() - started < 30
    hook.refresh_from_db()
    assert hook.state == SubscriberState.UNCONFIRMED


# Where a webhook may point ------------------------------------------------------------------

REFUSED = [
    "http://100.64.0.7/hook",  # shared address space (carrier NAT)
    "http://100.127.255.254/hook",
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
    "http://[::ffff:10.0.0.1]/hook",
    "http://[::1]/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://192.0.2.10/hook",
    "http://224.0.0.1/hook",
    "http://0.0.0.0/hook",
]
MALFORMED = [
    "http://[::1",
    "http://example.com:99999/hook",
    "http://example.com:0/hook",
    "http://exa mple.com/hook",
    "http://user:secret@example.com/hook",
    "gopher://example.com/",
    "http:///hook",
]


@pytest.mark.parametrize("url", REFUSED + MALFORMED)
def test_webhooks_to_non_global_or_malformed_urls_are_refused(page, url):
    with pytest.raises(ValidationError) as error:
        services.add_webhook_subscriber(page=page, endpoint=url, actor="tests")
    assert "endpoint" in error.value.message_dict


@pytest.mark.parametrize("url", ["http://[::1", "http://example.com:99999/", "http://100.64.0.1/"])
def test_the_public_webhook_form_answers_a_bad_url_with_a_form_error(client, page, url):
    response = client.post("/subscribe/webhook", {"endpoint": url})

    assert response.status_code == 400
    assert b"Enter an http:// or https:// URL." in response.content or (
        b"are refused" in response.content
    )
    assert not Subscriber.objects.filter(channel=Channel.WEBHOOK).exists()


def test_the_operator_api_answers_a_malformed_webhook_url_with_a_422(client, page):
    key = create_api_key(page=page, name="CI", actor="tests")[1]
    response = client.post(
        f"/v1/pages/{page.pk}/subscribers",
        json.dumps({"subscriber": {"endpoint": "http://[::1"}}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"OAuth {key}",
    )

    assert response.status_code == 422, response.content
    assert "endpoint" in response.json()["error"]


def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to(
    receiver, page, settings, monkeypatch
):
    """DNS rebinding: the first answer is public, a second would point inside the network."""
    hook = active_webhook(page, f"http://hooks.example.com:{receiver.server.server_port}/hook")
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = False
    settings.NOTIFY_WEBHOOK_TIMEOUT = 2
    answers = iter(["198.51.100.0", "127.0.0.1"])
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host != "hooks.example.com":
            return real(host, port, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        looked_up.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    # A global address (TEST-NET-2 is not, so the check is what refuses it): pretend it is.
    monkeypatch.setattr("subscribers.validation.is_public_address", lambda a: a != "127.0.0.1")

    result = WebhookTransport().deliver(hook, {"hello": "world"})

    assert looked_up == ["198.51.100.0"]
    assert result.outcome == "temporary"  # 198.51.100.0 does not answer here
    assert receiver.requests == []


def test_a_webhook_keeps_its_host_header_when_connected_by_address(receiver, page, monkeypatch):
    real = socket.getaddrinfo

    def local(host, port, *args, **kwargs):
        return real("127.0.0.1" if host == "hooks.example.com" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local)
    port = receiver.server.server_port
    hook = active_webhook(page, f"http://hooks.example.com:{port}/hook?x=1")

    result = WebhookTransport().deliver(hook, {"hello": "world"})

    assert result.outcome == "sent"
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"hooks.example.com:{port}"
    assert request["path"] == "/hook?x=1"
    assert json.loads(request["body"]) == {"hello": "world"}
