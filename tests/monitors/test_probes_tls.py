"""HTTPS checks against real local TLS servers, with certificates made for each test: trusted,
expired, about to expire, self-signed and for another host."""

import pytest

from monitors.models import Verdict
from tests.support.targets import (
    CertificateAuthority,
    TargetServer,
    check,
    http_target,
    self_signed,
    text,
)

pytestmark = pytest.mark.usefixtures("allow_private")


@pytest.fixture
def ca(tmp_path, settings):
    """A CA the checks trust through MONITOR_CA_FILE, as an operator's internal CA."""
    authority = CertificateAuthority(tmp_path / "tls")
    settings.MONITOR_CA_FILE = str(authority.cert_file)
    return authority


@pytest.fixture
def serve(stop_at_end):
    def start(certificate):
        server = stop_at_end(TargetServer(certificate).start())
        server.routes["/"] = text("secure ok")
        return server

    return start


def test_a_trusted_certificate_is_up(ca, serve):
    server = serve(ca.issue("valid", days_left=365))

    outcome = check(http_target(server.at("/"), keyword="secure ok"))

    assert (outcome.verdict, outcome.status_code, outcome.error) == (Verdict.UP, 200, "")


def test_a_certificate_expiring_within_the_warning_days_is_degraded_naming_the_date(ca, serve):
    certificate = ca.issue("soon", days_left=5.5)
    server = serve(certificate)

    outcome = check(http_target(server.at("/"), tls_expiry_days=14))

    assert outcome.verdict == Verdict.DEGRADED
    assert outcome.error == (f"certificate expires on {certificate.not_after:%Y-%m-%d} (in 5 days)")
    assert outcome.status_code == 200


def test_the_expiry_warning_can_be_turned_off_or_shortened(ca, serve):
    server = serve(ca.issue("soon", days_left=5.5))

    assert check(http_target(server.at("/"), tls_expiry_days=0)).verdict == Verdict.UP
    assert check(http_target(server.at("/"), tls_expiry_days=3)).verdict == Verdict.UP


def test_an_expired_certificate_is_down(ca, serve):
    server = serve(ca.issue("expired", days_left=-3))

    outcome = check(http_target(server.at("/")))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, "certificate has expired")


def test_a_self_signed_certificate_is_down(tmp_path, serve):
    server = serve(self_signed(tmp_path))

    outcome = check(http_target(server.at("/")))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, "self-signed certificate")


def test_a_certificate_from_an_unknown_authority_is_down(tmp_path, serve):
    # Issued by a CA that MONITOR_CA_FILE does not name.
    server = serve(CertificateAuthority(tmp_path / "other").issue("leaf"))

    outcome = check(http_target(server.at("/")))

    assert outcome.error == "certificate issued by an unknown authority"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_certificate_for_another_host_is_down(ca, serve, host):
    server = serve(ca.issue("elsewhere", hosts=("www.example.com",)))

    outcome = check(http_target(f"https://{host}:{server.port}/"))

    assert (outcome.verdict, outcome.error) == (
        Verdict.DOWN,
        f"certificate is not valid for {host}",
    )


def test_without_verification_an_invalid_certificate_is_accepted(tmp_path, serve):
    server = serve(self_signed(tmp_path, hosts=("www.example.com",)))

    outcome = check(http_target(server.at("/"), verify_tls=False, keyword="secure ok"))

    assert (outcome.verdict, outcome.error) == (Verdict.UP, "")


def test_without_verification_an_expired_certificate_still_warns(ca, serve):
    certificate = ca.issue("expired", days_left=-3)
    server = serve(certificate)

    outcome = check(http_target(server.at("/"), verify_tls=False))

    assert outcome.verdict == Verdict.DEGRADED
    assert outcome.error == f"certificate expired on {certificate.not_after:%Y-%m-%d}"


def test_a_plain_http_answer_on_a_tls_port_is_a_clear_failure(serve):
    server = TargetServer().start()
    try:
        server.routes["/"] = text("ok")

        outcome = check(http_target(f"https://127.0.0.1:{server.port}/"))

        assert outcome.verdict == Verdict.DOWN
        assert outcome.error.startswith("TLS handshake failed")
    finally:
        server.stop()


def test_an_unreadable_ca_file_is_a_recorded_failure(tmp_path, settings, serve):
    bad = tmp_path / "not-a-ca.pem"
    bad.write_text("hello")
    settings.MONITOR_CA_FILE = str(bad)
    server = serve(self_signed(tmp_path))

    outcome = check(http_target(server.at("/")))

    assert outcome.error == "MONITOR_CA_FILE could not be loaded as PEM certificates"
