"""API keys given in a hook's URL never reach the logs in full: the real web server
(python -m statuspage.web, granian with its access log on) and Django's request warnings."""

import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.processes import wait_for
from tests.support.stack import Beacon, Postgres

PAYLOADS = Path(__file__).parent / "payloads"

pytestmark = pytest.mark.django_db(transaction=False)


class LoggingBeacon(Beacon):
    """Beacon as production runs it, with granian's access log on."""

    def env(self) -> dict[str, str]:
        return super().env() | {"WEB_ACCESS_LOG": "1", "LOG_LEVEL": "INFO"}


@pytest.fixture(scope="module")
def beacon(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys-not-logged")
    postgres = Postgres()
    try:
        postgres.start()
        postgres.create_database()
        server = LoggingBeacon(folder / "beacon", postgres.url, "redis://127.0.0.1:6379/12")
        server.load_demo()
        server.start()
        yield server
    finally:
        if "server" in locals():
            server.stop()
        postgres.remove()


def post(beacon: Beacon, path: str, body: bytes) -> int:
    request = urllib.request.Request(
        beacon.base + path, data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_key_in_a_hook_url_is_masked_in_the_access_log_and_djangos_warnings(beacon):
    key = beacon.shell(
        "from pages.models import Page; from operator_api.services import create_api_key; "
        "print(create_api_key(page=Page.objects.get(), name='Alerts', actor='tests')[1])"
    ).split()[-1]  # the shell may print a line of its own first
    secret = key.split("_", 2)[2]
    firing = (PAYLOADS / "alertmanager_firing.json").read_bytes()

    assert post(beacon, f"/hooks/alertmanager/{key}", firing) == 200
    assert post(beacon, f"/hooks/alertmanager/{key}", b"{not json") == 400
    assert post(beacon, f"/hooks/grafana?api_key={key}", b"[" * 1000) == 400
    assert post(beacon, f"/hooks/grafana/{key}x", firing) == 401  # a near miss is masked too

    def logged() -> str:
        return beacon.log.read_text(errors="replace")

    wait_for(
        lambda: logged().count("/hooks/") >= 5,
        timeout=20,
        what="the requests in the log",
        log=beacon.log,
    )
    log = logged()
    assert secret not in log
    prefix = key[: len("bk_") + 8]
    # The lines are there, naming the key by its public prefix only.
    assert re.search(rf'"POST /hooks/alertmanager/{prefix}_… HTTP/1.1" 200', log), log[-3000:]
    assert f"Bad Request: /hooks/alertmanager/{prefix}_…" in log
    assert re.search(r'"POST /hooks/grafana(\?api_key=…)? HTTP/1.1" 400', log), log[-3000:]
    assert "Unauthorized: /hooks/grafana/" in log
