"""Sign-in settings that cannot work stop Beacon at start-up, naming the variable."""

import pytest

from tests.ops.test_settings import start_django


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OIDC_ISSUER": "accounts.google.com"}, "OIDC_ISSUER"),
        ({"OIDC_ISSUER": "https://accounts.google.com"}, "OIDC_CLIENT_SECRET"),
        ({"MFA_REQUIRED": "perhaps"}, "MFA_REQUIRED"),
    ],
)
def test_a_sign_in_setting_that_cannot_work_stops_beacon(tmp_path, env, named):
    result = start_django(tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.strip().splitlines()[-1]


def test_a_complete_provider_configuration_starts(tmp_path):
    result = start_django(
        tmp_path,
        OIDC_ISSUER="https://accounts.google.com",
        OIDC_CLIENT_ID="beacon",
        OIDC_CLIENT_SECRET="secret",
        OIDC_ALLOWED_DOMAINS="example.com, Example.org",
        MFA_REQUIRED="1",
    )

    assert result.returncode == 0, result.stderr
