"""A malformed setting stops Beacon at start-up with a message naming the variable."""

import pytest

from tests.support.processes import start_django, start_up_refusal

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


@pytest.mark.parametrize(("env", "variable"), BAD_VALUES, ids=[v for _, v in BAD_VALUES])
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, env, variable):
    assert variable in start_up_refusal(tmp_path, **env)


def test_the_embedded_defaults_start_without_any_variable(tmp_path):
    result = start_django(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").exists()
