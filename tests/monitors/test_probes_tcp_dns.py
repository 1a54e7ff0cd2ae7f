"""TCP checks against a real port that goes up and down, and DNS checks against a real (tiny)
UDP DNS server."""

import pytest

from monitors.models import Verdict
from tests.support.targets import DNSServer, TCPTarget, check, dns_target, tcp_target

pytestmark = pytest.mark.usefixtures("allow_private")


@pytest.fixture
def port():
    target = TCPTarget().up()
    yield target
    target.down()


@pytest.fixture
def dns_server():
    server = DNSServer().start()
    server.add("example.test", "A", "192.0.2.10", "192.0.2.11")
    server.add("example.test", "AAAA", "2001:db8::10")
    server.add("example.test", "MX", "10 mail.example.test.", "20 backup.example.test.")
    server.add("example.test", "TXT", '"v=spf1 include:mail.example.test -all"')
    server.add("example.test", "NS", "ns1.example.test.", "ns2.example.test.")
    server.add("www.example.test", "CNAME", "example.test.")
    yield server
    server.stop()


# TCP.


def test_a_listening_port_is_up_and_a_closed_one_is_down_until_it_comes_back(port):
    up = check(tcp_target("127.0.0.1", port.port))
    port.down()
    down = check(tcp_target("127.0.0.1", port.port))
    port.up()
    back = check(tcp_target("127.0.0.1", port.port))

    assert up.verdict == Verdict.UP and up.latency_ms is not None
    assert (down.verdict, down.error) == (Verdict.DOWN, "connection refused")
    assert back.verdict == Verdict.UP
    assert port.accepted >= 2


def test_a_host_name_is_looked_up_before_connecting(port):
    assert check(tcp_target("localhost", port.port)).verdict == Verdict.UP


def test_a_slow_tcp_connection_over_the_threshold_is_degraded(port):
    # No connection on this machine takes less than zero milliseconds.
    outcome = check(tcp_target("127.0.0.1", port.port, degraded_latency_ms=0))

    assert outcome.verdict == Verdict.DEGRADED
    assert outcome.error.endswith("(over 0 ms)")


@pytest.mark.parametrize(
    ("host", "port_number", "error"),
    [
        ("127.0.0.1", None, "no port to connect to"),
        ("127.0.0.1", 70000, "no port to connect to"),
        ("", 80, "no host to connect to"),
        ("no-such-host.invalid", 80, "no-such-host.invalid does not resolve"),
    ],
)
def test_a_tcp_target_that_cannot_be_reached_says_why(host, port_number, error):
    outcome = check(tcp_target(host, port_number))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, error)


# DNS.


@pytest.mark.parametrize(
    ("record_type", "expected"),
    [
        ("A", "192.0.2.10"),
        ("A", "192.0.2.11, 192.0.2.10"),
        ("AAAA", "2001:DB8:0::10"),
        ("MX", "mail.example.test"),
        ("MX", "10 mail.example.test., backup.example.test"),
        ("TXT", "v=spf1 include:mail.example.test -all"),
        ("NS", "ns1.example.test,ns2.example.test."),
        ("A", ""),
    ],
)
def test_a_record_with_every_expected_value_is_up(dns_server, record_type, expected):
    outcome = check(
        dns_target(
            "example.test",
            dns_record_type=record_type,
            dns_expected=expected,
            dns_resolver=dns_server.address,
        )
    )

    assert (outcome.verdict, outcome.error) == (Verdict.UP, "")
    assert outcome.latency_ms is not None


def test_a_cname_is_checked_as_such(dns_server):
    outcome = check(
        dns_target(
            "www.example.test",
            dns_record_type="CNAME",
            dns_expected="example.test",
            dns_resolver=dns_server.address,
        )
    )

    assert outcome.verdict == Verdict.UP


def test_a_missing_expected_value_is_down_and_shows_the_answer(dns_server):
    outcome = check(
        dns_target(
            "example.test", dns_expected="192.0.2.10,192.0.2.99", dns_resolver=dns_server.address
        )
    )

    assert outcome.verdict == Verdict.DOWN
    assert outcome.error.startswith("not in the answer: 192.0.2.99 (got ")
    assert "192.0.2.10" in outcome.error and "192.0.2.11" in outcome.error


def test_a_name_that_does_not_exist_is_down(dns_server):
    outcome = check(dns_target("gone.example.test", dns_resolver=dns_server.address))

    assert outcome.error == "gone.example.test does not exist (NXDOMAIN)"


def test_a_name_without_that_record_type_is_down(dns_server):
    outcome = check(
        dns_target("www.example.test", dns_record_type="MX", dns_resolver=dns_server.address)
    )

    assert outcome.error == "no MX record for www.example.test"


def test_a_resolver_that_never_answers_is_down_at_the_timeout(dns_server):
    dns_server.mode = "silent"

    outcome = check(dns_target("example.test", dns_resolver=dns_server.address, timeout=1))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, "no answer within 1 s")
    assert dns_server.queries >= 1


def test_a_failing_resolver_is_down(dns_server):
    dns_server.mode = "servfail"

    outcome = check(dns_target("example.test", dns_resolver=dns_server.address))

    assert outcome.error == "the resolver could not answer (it failed or refused)"


NOT_AN_ADDRESS = "is not an IP address or address:port"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"dns_resolver": "ns.test"}, f"the resolver ns.test {NOT_AN_ADDRESS}"),
        ({"dns_resolver": "192.0.2.1:0"}, f"the resolver 192.0.2.1:0 {NOT_AN_ADDRESS}"),
        ({"dns_resolver": "[2001:db8::1"}, f"the resolver [2001:db8::1 {NOT_AN_ADDRESS}"),
        ({"dns_record_type": "SOA"}, "SOA records are not checked"),
    ],
)
def test_a_dns_check_configured_wrongly_is_down_with_a_clear_error(fields, error):
    outcome = check(dns_target("example.test", **fields))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, error)


@pytest.mark.parametrize("name", ["a..b", "x" * 64 + ".example.test"])
def test_a_name_that_is_not_a_dns_name_is_down(name):
    assert check(dns_target(name)).error == "not a valid DNS name"
