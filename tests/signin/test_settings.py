"""Sign-in settings that cannot work stop Beacon at start-up, naming the variable."""

import json

import pytest

from tests.support.processes import start_django, start_up_refusal

CORP = {
    "id": "corp",
    "name": "Corp SSO",
    "issuer": "https://login.corp.example",
    "client_id": "beacon",
    "client_secret": "secret",
}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OIDC_ISSUER": "accounts.google.com"}, "OIDC_ISSUER"),
        ({"OIDC_ISSUER": "https://accounts.google.com"}, "OIDC_CLIENT_SECRET"),
        ({"MFA_REQUIRED": "perhaps"}, "MFA_REQUIRED"),
        ({"MFA_ENCRYPTION_KEY": "short"}, "MFA_ENCRYPTION_KEY"),
        ({"MFA_ENCRYPTION_KEY_FALLBACKS": "k" * 40}, "MFA_ENCRYPTION_KEY"),
        ({"OIDC_PROVIDERS": "[{"}, "OIDC_PROVIDERS is not valid JSON"),
        ({"OIDC_PROVIDERS": '{"id": "corp"}'}, "OIDC_PROVIDERS must be a JSON list"),
        ({"OIDC_PROVIDERS": json.dumps([CORP | {"client_secret": ""}])}, "'client_secret'"),
        ({"OIDC_PROVIDERS": json.dumps([CORP | {"id": "Corp/1"}])}, "id 'Corp/1'"),
        ({"OIDC_PROVIDERS": json.dumps([CORP, CORP])}, "'corp' is used twice"),
        ({"OIDC_PROVIDERS": json.dumps([CORP | {"issuer": "corp.example"}])}, "issuer"),
        ({"OIDC_PROVIDERS": json.dumps([CORP | {"allowed_domains": "a.b"}])}, "allowed_domains"),
        ({"OIDC_PROVIDERS": json.dumps([CORP | {"secret": "x"}])}, "unknown keys: secret"),
        (
            {
                "OIDC_ISSUER": "https://accounts.google.com",
                "OIDC_CLIENT_ID": "beacon",
                "OIDC_CLIENT_SECRET": "secret",
                "OIDC_PROVIDERS": json.dumps([CORP | {"id": "sso"}]),
            },
            "'sso' is the one OIDC_ISSUER's provider has",
        ),
    ],
)
def test_a_sign_in_setting_that_cannot_work_stops_beacon(tmp_path, env, named):
    assert named in start_up_refusal(tmp_path, **env)


def test_a_complete_provider_configuration_starts(tmp_path):
    result = start_django(
        tmp_path,
        OIDC_ISSUER="https://accounts.google.com",
        OIDC_CLIENT_ID="beacon",
        OIDC_CLIENT_SECRET="secret",
        OIDC_ALLOWED_DOMAINS="example.com, Example.org",
        MFA_REQUIRED="1",
        MFA_ENCRYPTION_KEY="k" * 40,
        MFA_ENCRYPTION_KEY_FALLBACKS="o" * 40 + ",p" + "q" * 40,
        OIDC_PROVIDERS=json.dumps([CORP | {"allowed_domains": ["corp.example"]}]),
    )

    assert result.returncode == 0, result.stderr
