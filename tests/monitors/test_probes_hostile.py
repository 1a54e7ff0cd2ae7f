"""Targets that answer badly on purpose, and targets that must not be reached at all: every
one ends as a recorded failure with a short error, within the check's timeout, reading a
bounded number of bytes."""

import json
import re
import resource
import socket

import pytest
from aiohttp.resolver import ThreadedResolver

from monitors import probes
from monitors.models import Verdict
from tests.support.targets import (
    FrozenHTTPServer,
    HostileTarget,
    check,
    check_all,
    dns_target,
    gzip_bomb,
    http_target,
    redirect,
    tcp_target,
    text,
)


@pytest.fixture
def hostile(stop_at_end):
    def start(mode: str, interval: float = 0.05) -> HostileTarget:
        return stop_at_end(HostileTarget(mode, interval).start())

    return start


def test_a_slow_loris_dripping_its_status_line_fails_at_the_timeout(allow_private, hostile):
    server = hostile("slow")

    outcome = check(http_target(f"{server.base}/", timeout=1.5))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, "no answer within 1.5 s")


def test_a_server_that_never_completes_the_tls_handshake_fails_at_the_timeout(
    allow_private, hostile
):
    # It waits for a blank line that a TLS client hello never sends.
    server = hostile("slow")

    outcome = check(http_target(f"https://127.0.0.1:{server.port}/", timeout=1.5))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, "no answer within 1.5 s")


def test_a_body_that_drips_fails_at_the_timeout_with_its_status(allow_private, hostile):
    server = hostile("drip")

    # Generous: the status line must arrive well within it, on a loaded machine too.
    outcome = check(http_target(f"{server.base}/", keyword="done", timeout=4))

    assert outcome.verdict == Verdict.DOWN
    assert outcome.error == "the response did not complete within 4 s"
    assert outcome.status_code == 200


def test_an_endless_body_is_read_only_up_to_its_first_64_kb(allow_private, hostile):
    server = hostile("huge")

    outcome = check(http_target(f"{server.base}/", keyword="never there"))

    assert outcome.verdict == Verdict.DOWN
    assert outcome.error == "'never there' not found in the first 64 KB"
    # The check hung up: the server could only fill the sockets' buffers before it noticed.
    assert server.closed.wait(30)
    assert server.bytes_sent < 64 * 1024 * 1024


def test_an_endless_body_is_not_read_at_all_without_a_keyword(allow_private, hostile):
    server = hostile("huge")

    outcome = check(http_target(f"{server.base}/"))

    assert (outcome.verdict, outcome.status_code) == (Verdict.UP, 200)
    assert server.closed.wait(30)


def test_a_gzip_bomb_inflates_no_further_than_the_bytes_read(allow_private, server):
    server.routes["/"] = gzip_bomb(256)
    peak_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    outcome = check(http_target(server.at("/"), keyword="treasure"))

    assert outcome.error == "'treasure' not found in the first 64 KB"
    # Inflated whole, the body would have taken a quarter of a gigabyte.
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before_kb
    assert grown_kb < 64 * 1024


def test_a_json_body_too_large_for_the_limit_is_a_clear_failure(allow_private, server):
    server.routes["/"] = text(json.dumps({"pad": "x" * 100_000, "ok": True}))

    outcome = check(http_target(server.at("/"), json_path="ok", json_expected="true"))

    assert outcome.error == "the body is larger than 64 KB, too large to read as JSON"


def test_json_nested_deeper_than_python_can_parse_is_not_json(allow_private, server):
    server.routes["/"] = text("[" * 30_000 + "]" * 30_000)

    outcome = check(http_target(server.at("/"), json_path="0"))

    assert outcome.error == "the body is not JSON"


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("garbage", "not a valid HTTP response (no HTTP status line)"),
        ("long-header", "not a valid HTTP response (a header line is too long)"),
        ("endless-headers", "not a valid HTTP response (too many headers)"),
        ("silent-close", "the server closed the connection without answering"),
    ],
)
def test_answers_that_are_not_http_are_clear_failures(allow_private, hostile, mode, error):
    server = hostile(mode)

    outcome = check(http_target(f"{server.base}/", timeout=10))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, error)


def test_a_frozen_server_fails_at_the_timeout_and_recovers_when_it_thaws(allow_private):
    server = FrozenHTTPServer().start()
    try:
        assert check(http_target(server.url, keyword="ok")).verdict == Verdict.UP

        server.freeze()
        frozen = check(http_target(server.url, timeout=1))
        server.thaw()
        thawed = check(http_target(server.url, keyword="ok", timeout=30))

        assert (frozen.verdict, frozen.error) == (Verdict.DOWN, "no answer within 1 s")
        assert thawed.verdict == Verdict.UP
    finally:
        server.stop()


def test_one_hostile_target_does_not_hold_up_the_others(allow_private, hostile, server):
    server.routes["/"] = text("ok")
    slow = hostile("slow")
    targets = [http_target(f"{slow.base}/", timeout=2)] + [
        http_target(server.at("/"), keyword="ok", timeout=30) for _ in range(20)
    ]

    outcomes = check_all(targets)

    assert outcomes[0].error == "no answer within 2 s"
    assert all(o.verdict == Verdict.UP for o in outcomes[1:])


# Private addresses.


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://127.0.0.1:{port}/", "refused: 127.0.0.1 is not a public address"),
        (
            "http://localhost:{port}/",
            "refused: localhost resolves to 127.0.0.1, not a public address",
        ),
        ("http://[::ffff:127.0.0.1]:{port}/", "refused: ::ffff:127.0.0.1 is not a public address"),
        ("http://[::1]:{port}/", "refused: ::1 is not a public address"),
        ("http://10.0.0.1:{port}/", "refused: 10.0.0.1 is not a public address"),
        ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is not a public"),
        ("http://100.64.0.1:{port}/", "refused: 100.64.0.1 is not a public address"),
    ],
)
def test_private_targets_are_refused_by_default(server, url, error):
    server.routes["/"] = text("ok")

    outcome = check(http_target(url.format(port=server.port)))

    assert outcome.verdict == Verdict.DOWN
    assert outcome.error.startswith(error)
    assert server.requests == []


def test_a_private_target_is_checked_once_the_setting_allows_it(allow_private, server):
    server.routes["/"] = text("ok")

    assert check(http_target(server.at("/"))).verdict == Verdict.UP


def test_a_redirect_to_a_private_address_is_refused_at_that_hop(server, monkeypatch):
    # Here 127.0.0.1 stands for a public address, and internal.example for a name inside the
    # network (it resolves to 10.1.2.3).
    monkeypatch.setattr(probes, "is_public_address", lambda address: address == "127.0.0.1")
    lookup = ThreadedResolver.resolve

    async def resolve(self, host, port=0, family=socket.AF_INET):
        if host == "internal.example":
            return [
                {
                    "hostname": host,
                    "host": "10.1.2.3",
                    "port": port,
                    "family": socket.AF_INET,
                    "proto": 0,
                    "flags": socket.AI_NUMERICHOST,
                }
            ]
        return await lookup(self, host, port, family)

    monkeypatch.setattr(ThreadedResolver, "resolve", resolve)
    server.routes["/literal"] = redirect("http://127.0.0.2:8080/secret")
    server.routes["/name"] = redirect("http://internal.example:8080/secret")
    server.routes["/ok"] = text("public ok")

    literal = check(http_target(server.at("/literal")))
    name = check(http_target(server.at("/name")))
    public = check(http_target(server.at("/ok")))

    assert literal.error == (
        "refused: 127.0.0.2 is not a public address (after a redirect to http://127.0.0.2:8080/secret)"
    )
    assert name.error == (
        "refused: internal.example resolves to 10.1.2.3, not a public address "
        "(after a redirect to http://internal.example:8080/secret)"
    )
    assert public.verdict == Verdict.UP


def test_tcp_and_dns_checks_refuse_private_addresses_too(server):
    tcp = check(tcp_target("127.0.0.1", server.port))
    named = check(tcp_target("localhost", server.port))
    resolver = check(dns_target("example.com", dns_resolver="127.0.0.1:53"))

    assert tcp.error == "refused: 127.0.0.1 is not a public address"
    assert named.error.startswith("refused: localhost resolves to 127.0.0.1, not a public address")
    assert resolver.error == "refused: the resolver 127.0.0.1 is not a public address"


# Errors read as sentences.

HOSTILE_MODES = (
    "slow",
    "drip",
    "huge",
    "garbage",
    "long-header",
    "endless-headers",
    "silent-close",
)
PYTHON_LEAKS = re.compile(r"object at 0x|<[a-zA-Z_.]+[ >]|Error\(|Exception|Traceback|\\x|b'")


def test_no_error_ever_shows_python(allow_private, hostile, server):
    server.routes["/"] = redirect("/")
    server.routes["/503"] = text("x", 503)
    targets = [
        http_target(f"{hostile(mode).base}/", keyword="k", timeout=1.5) for mode in HOSTILE_MODES
    ] + [
        http_target(server.at("/")),
        http_target(server.at("/503")),
        http_target("http://127.0.0.1:1/"),
        http_target(f"https://127.0.0.1:{server.port}/"),
        http_target("http://no-such-host.invalid/"),
        http_target("http://[::1"),
        tcp_target("127.0.0.1", 1),
        tcp_target("no-such-host.invalid", 80),
        tcp_target("127.0.0.1", None),
        dns_target("..bad..", dns_resolver="127.0.0.1:1", timeout=1),
        dns_target("example.com", dns_resolver="not-an-address"),
        dns_target("example.com", dns_record_type="SOA"),
        probes.Target(monitor_id=1, kind="heartbeat", target="", timeout=5),
    ]

    outcomes = check_all(targets)

    for target, outcome in zip(targets, outcomes, strict=True):
        assert outcome.verdict == Verdict.DOWN, target
        assert outcome.error and len(outcome.error) <= 300, target
        assert not PYTHON_LEAKS.search(outcome.error), (target, outcome.error)
