"""A malformed setting stops Beacon at start-up with a message naming the variable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

BAD_VALUES = [
    ({"DEBUG": "maybe"}, "DEBUG"),
    ({"DB_CONNECT_TIMEOUT": "abc"}, "DB_CONNECT_TIMEOUT"),
    ({"SITE_URL": "notaurl"}, "SITE_URL"),
    ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/beacon"}, "SECRET_KEY"),
    ({"UPTIME_WEIGHT_PARTIAL_OUTAGE": "2"}, "UPTIME_WEIGHT_PARTIAL_OUTAGE"),
    ({"DB_QUERY_TIMEOUT": "-1"}, "DB_QUERY_TIMEOUT"),
    ({"WEB_RESERVED_THREADS": "many"}, "WEB_RESERVED_THREADS"),
    ({"MONITOR_CA_FILE": "/nowhere/ca.pem"}, "MONITOR_CA_FILE"),
    # A setting that is gone says what replaced it, rather than being ignored.
    ({"NOTIFY_CLAIM_TIMEOUT_SECONDS": "300"}, "NOTIFY_LEASE_SECONDS"),
]


def start_django(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "SITE_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=clean
        | {"DJANGO_SETTINGS_MODULE": "statuspage.settings", "BEACON_VAR_DIR": str(tmp_path)}
        | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(("env", "variable"), BAD_VALUES, ids=[v for _, v in BAD_VALUES])
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, env, variable):
    result = start_django(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


def test_the_embedded_defaults_start_without_any_variable(tmp_path):
    result = start_django(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists()
