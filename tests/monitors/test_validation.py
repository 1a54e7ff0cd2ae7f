"""Whatever an operator types into a monitor, a clear message on the field that is wrong."""

import pytest
from django.core.exceptions import ValidationError

from incidents.models import IncidentTemplate
from monitors.models import Monitor
from monitors.validation import parse_status_spec, validate_monitor
from tests.support import personas

from .conftest import PUBLIC_URL


def http(**fields) -> Monitor:
    return Monitor(**{"name": "API", "kind": "http", "target": PUBLIC_URL} | fields)


def problems(monitor: Monitor, *, resolve_names: bool = True) -> dict[str, list[str]]:
    try:
        validate_monitor(monitor, resolve_names=resolve_names)
    except ValidationError as error:
        return error.message_dict
    return {}


def test_a_sensible_monitor_of_each_kind_passes():
    assert problems(http()) == {}
    assert problems(Monitor(name="DB", kind="tcp", target="93.184.215.14", port=5432)) == {}
    assert (
        problems(Monitor(name="D", kind="dns", target="example.com", dns_resolver="9.9.9.9")) == {}
    )
    assert problems(Monitor(name="DNS", kind="dns", target="_dmarc.example.com.")) == {}
    assert problems(Monitor(name="Backup", kind="heartbeat", interval_seconds=86400)) == {}
    assert problems(http(regions=["eu-west", "us-east"], regions_required=2)) == {}


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"interval_seconds": 5}, "interval_seconds", "between every 10 seconds and once a day"),
        ({"interval_seconds": 90_000}, "interval_seconds", "once a day (86400 seconds)"),
        ({"timeout_seconds": 0.5}, "timeout_seconds", "between 1 and 60 seconds"),
        ({"timeout_seconds": 61}, "timeout_seconds", "between 1 and 60 seconds"),
        ({"timeout_seconds": float("nan")}, "timeout_seconds", "between 1 and 60 seconds"),
        ({"interval_seconds": 10, "timeout_seconds": 10}, "timeout_seconds", "shorter than"),
        ({"target": ""}, "target", "Enter the URL to check"),
        ({"target": "ftp://example.com/"}, "target", "http:// or https://"),
        ({"target": "example.com/health"}, "target", "http:// or https://"),
        ({"target": "https://ops:s3cret@example.com/"}, "target", "Leave user names and"),
        ({"target": "https://exämple.com/"}, "target", "in ASCII"),
        ({"target": "https://example.com/a b"}, "target", "without spaces"),
        ({"target": "https://example.com/\r\nX: y"}, "target", "without spaces"),
        ({"target": "https://example.com/" + "a" * 490}, "target", "longer than 500"),
        ({"target": "https://example.com:0/"}, "target", "port must be between 1 and 65535"),
        ({"target": "https://example.com:99999/"}, "target", "http:// or https://"),
        ({"target": "https://-bad-.com/"}, "target", "not a valid host name"),
        ({"expected_statuses": "ok"}, "expected_statuses", "as 200-299,301"),
        ({"expected_statuses": "99"}, "expected_statuses", "between 100 and 599"),
        ({"expected_statuses": "300-200"}, "expected_statuses", "as 200-299,301"),
        ({"expected_statuses": "200-"}, "expected_statuses", "as 200-299,301"),
        ({"expected_statuses": ""}, "expected_statuses", "as 200-299,301"),
        ({"headers": ["Accept", "text/html"]}, "headers", "a JSON object of names and text"),
        ({"headers": {"X-Retries": 3}}, "headers", "a JSON object of names and text"),
        ({"headers": {"Bad Name": "v"}}, "headers", "is not a header name"),
        ({"headers": {"X-A": "a\r\nX-Injected: 1"}}, "headers", "one line"),
        ({"headers": {"X-A": "a\nb"}}, "headers", "one line"),
        ({"headers": {"Host": "internal"}}, "headers", "sets the Host header itself"),
        ({"headers": {f"X-{i}": "v" for i in range(21)}}, "headers", "at most 20 headers"),
        ({"json_path": "status..db"}, "json_path", "dotted path"),
        ({"json_path": "$.status"}, "json_path", "dotted path"),
        ({"json_expected": "ok"}, "json_path", "Give the JSON path"),
        ({"body": "{}", "method": "GET"}, "body", "POST only"),
        ({"body": "x" * 10_001, "method": "POST"}, "body", "longer than 10,000"),
        ({"degraded_latency_ms": 10_000, "timeout_seconds": 10}, "degraded_latency_ms", "below"),
        ({"tls_expiry_days": 1000}, "tls_expiry_days", "to 365 days before"),
        ({"tls_expiry_days": None}, "tls_expiry_days", "to 365 days before"),
        ({"port": "x", "kind": "tcp"}, "port", "between 1 and 65535"),
        ({"down_after": "three"}, "down_after", "At least one failure"),
        ({"regions_required": 1.5}, "regions_required", "At least one"),
        ({"degraded_latency_ms": "fast"}, "degraded_latency_ms", "whole milliseconds"),
        ({"interval_seconds": None}, "interval_seconds", "between every 10 seconds"),
        ({"regions": ["eu west"]}, "regions", "is not a region name"),
        ({"regions": ["eu", "eu"]}, "regions", "each region once"),
        ({"regions": [f"r{i}" for i in range(11)]}, "regions", "at most 10 regions"),
        ({"regions": "eu"}, "regions", "separated by commas"),
        ({"regions": ["eu", "us"], "regions_required": 3}, "regions_required", "at most 2"),
        ({"regions_required": 2}, "regions_required", "With no regions named"),
        ({"regions_required": 0}, "regions_required", "At least one"),
        ({"down_after": 4, "down_window": 3}, "down_after", "cannot fit in a window of 3"),
        ({"down_after": 0}, "down_after", "At least one failure"),
        ({"down_window": 21, "down_after": 3}, "down_window", "last 1 to 20 checks"),
        ({"up_after": 0}, "up_after", "Between 1 and 20"),
        ({"name": "  "}, "name", "Give the monitor a name"),
        ({"name": "API\nhealth"}, "name", "one line"),
    ],
)
def test_each_bad_http_setting_is_named_with_what_to_do(fields, field, says):
    found = problems(http(**fields))
    assert field in found, found
    assert any(says in message for message in found[field]), found[field]


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"target": "db.example.com", "port": None}, "port", "between 1 and 65535"),
        ({"target": "db.example.com", "port": 70000}, "port", "between 1 and 65535"),
        ({"target": "tcp://db.example.com", "port": 5432}, "target", "without a scheme"),
        ({"target": "db.example.com:5432", "port": 5432}, "target", "without a scheme or a port"),
        ({"target": "", "port": 5432}, "target", "Enter the host"),
    ],
)
def test_a_tcp_monitor_needs_a_host_and_a_port(fields, field, says):
    found = problems(Monitor(name="DB", kind="tcp", **fields))
    assert any(says in message for message in found.get(field, [])), found


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"target": "exa mple.com"}, "target", "Enter a domain name"),
        ({"target": "ex_ample..com"}, "target", "Enter a domain name"),
        ({"target": "a" * 64 + ".com"}, "target", "Enter a domain name"),
        ({"target": "bücher.example"}, "target", "xn--"),
        ({"target": "example.com", "dns_resolver": "dns.quad9.net"}, "dns_resolver", "address"),
        ({"target": "example.com", "dns_resolver": "9.9.9.9:99999"}, "dns_resolver", "address"),
        ({"target": "example.com", "dns_resolver": "127.0.0.53"}, "dns_resolver", "loopback"),
        ({"target": "example.com", "dns_expected": "a\nb"}, "dns_expected", "one line"),
    ],
)
def test_a_dns_monitor_needs_a_valid_name_and_resolver(fields, field, says):
    found = problems(Monitor(name="DNS", kind="dns", **fields))
    assert any(says in message for message in found.get(field, [])), found


def test_a_heartbeats_period_runs_to_a_month_and_it_has_no_regions():
    assert problems(Monitor(name="Job", kind="heartbeat", interval_seconds=31 * 86400)) == {}
    found = problems(
        Monitor(
            name="Job",
            kind="heartbeat",
            interval_seconds=32 * 86400,
            grace_seconds=8 * 86400,
            regions=["eu"],
        )
    )
    assert "31 days" in found["interval_seconds"][0]
    assert "7 days" in found["grace_seconds"][0]
    assert "runs in no region" in found["regions"][0]
    assert (
        "between 1 minute"
        in problems(Monitor(name="J", kind="heartbeat", interval_seconds=30))["interval_seconds"][0]
    )


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1/",
        "http://127.1.2.3:8080/admin",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://172.16.0.9/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://localhost:8080/",
    ],
)
def test_private_loopback_link_local_and_shared_targets_are_refused(target):
    found = problems(http(target=target))
    assert "private, loopback, link-local or shared address" in found["target"][0]
    assert "MONITOR_ALLOW_PRIVATE_TARGETS" in found["target"][0]


def test_a_private_tcp_target_is_refused_too():
    found = problems(Monitor(name="DB", kind="tcp", target="192.168.0.10", port=5432))
    assert "private, loopback" in found["target"][0]


def test_the_setting_allows_private_targets(settings):
    settings.MONITOR_ALLOW_PRIVATE_TARGETS = True
    assert problems(http(target="http://127.0.0.1:8080/health")) == {}
    assert problems(http(target="http://localhost/")) == {}
    assert problems(Monitor(name="DB", kind="tcp", target="10.0.0.5", port=5432)) == {}


def test_a_name_is_resolved_only_when_asked():
    # The form answers without a lookup; the save looks the name up and refuses it.
    assert problems(http(target="http://localhost/"), resolve_names=False) == {}
    assert "loopback" in problems(http(target="http://localhost/"))["target"][0]
    # An address typed as such is refused either way.
    assert problems(http(target="http://127.0.0.1/"), resolve_names=False)


def test_a_name_that_does_not_resolve_is_refused():
    found = problems(http(target="https://no-such-host.invalid/"))
    assert "does not resolve" in found["target"][0] or "did not resolve" in found["target"][0]


def test_fields_of_another_kind_are_only_checked_for_shape():
    # A TCP monitor keeps the HTTP defaults and a stray body without complaint...
    assert problems(Monitor(name="DB", kind="tcp", target="93.184.215.14", port=1, body="x")) == {}
    # ...but a malformed value is refused whatever the kind, so what is stored is well-formed.
    found = problems(
        Monitor(name="DB", kind="tcp", target="93.184.215.14", port=1, headers=["nope"])
    )
    assert list(found) == ["headers"]


def test_status_specs_become_ranges():
    assert parse_status_spec("200-299, 301") == [(200, 299), (301, 301)]
    with pytest.raises(ValueError):
        parse_status_spec("200-299,abc")


@pytest.mark.django_db
def test_the_component_and_template_must_be_of_the_monitors_page(page, other_page, api):
    theirs = personas.component(other_page, "Their API")
    template = IncidentTemplate.objects.create(page=other_page, name="Down", body="We look.")
    found = problems(http(page=page, component=theirs, incident_template=template))
    assert found["component"] == ["Pick a component of the monitor's page."]
    assert found["incident_template"] == ["Pick an incident template of the monitor's page."]
    mine = IncidentTemplate.objects.create(page=page, name="Down", body="We look.")
    assert problems(http(page=page, component=api, incident_template=mine)) == {}
