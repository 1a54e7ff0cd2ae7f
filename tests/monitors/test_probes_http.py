"""HTTP checks against a real local server: statuses, keywords, JSON paths, requests as
configured, redirects, latency, flapping and timeouts."""

import asyncio
import json
from typing import Any

import pytest

from components.models import Component
from monitors.models import Monitor, MonitorKind, Verdict
from monitors.probes import Target, on_fresh_loop, open_session, probe, run_all
from tests.support.targets import (
    TargetServer,
    check,
    check_all,
    flapping,
    http_target,
    redirect,
    text,
)

pytestmark = pytest.mark.usefixtures("allow_private")


def test_a_server_answering_200_is_up_with_its_status_and_latency(server):
    server.routes["/health"] = text("all good")

    outcome = check(http_target(server.at("/health")))

    assert outcome.verdict == Verdict.UP
    assert outcome.status_code == 200
    assert outcome.latency_ms is not None and outcome.latency_ms > 0
    assert outcome.error == ""


def test_a_status_outside_the_expected_codes_is_down_and_says_what_was_expected(server):
    server.routes["/"] = text("unavailable", status=503)

    outcome = check(http_target(server.at("/")))

    assert outcome.verdict == Verdict.DOWN
    assert outcome.status_code == 503
    assert outcome.error == "HTTP 503 (expected 200-299)"
    assert outcome.latency_ms is not None


@pytest.mark.parametrize(
    ("status", "expected", "verdict"),
    [
        (204, "200-299", Verdict.UP),
        (301, "200-299,301", Verdict.UP),
        (404, "200,404", Verdict.UP),
        (404, "200-299, 500-599", Verdict.DOWN),
        (418, "418", Verdict.UP),
        (500, "400-499", Verdict.DOWN),
    ],
)
def test_expected_statuses_take_codes_and_ranges(server, status, expected, verdict):
    server.routes["/"] = (status, {}, b"")

    outcome = check(http_target(server.at("/"), expected_statuses=expected, follow_redirects=False))

    assert (outcome.verdict, outcome.status_code) == (verdict, status)


def test_a_keyword_must_appear_in_the_body(server):
    server.routes["/"] = text("<html>status: ok</html>", content_type="text/html")

    assert check(http_target(server.at("/"), keyword="status: ok")).verdict == Verdict.UP
    missing = check(http_target(server.at("/"), keyword="healthy"))
    assert missing.verdict == Verdict.DOWN
    assert missing.error == "'healthy' not found in the body"
    assert missing.status_code == 200


def test_the_body_is_decoded_with_its_declared_charset(server):
    server.routes["/"] = (
        200,
        {"Content-Type": "text/plain; charset=latin-1"},
        "Café".encode("latin-1"),
    )

    assert check(http_target(server.at("/"), keyword="Café")).verdict == Verdict.UP


@pytest.mark.parametrize(
    ("path", "expected", "verdict", "error"),
    [
        ("status.db", "up", Verdict.UP, ""),
        ("status.db", "", Verdict.UP, ""),
        ("checks.0.ok", "true", Verdict.UP, ""),
        ("checks[1].name", "cache", Verdict.UP, ""),
        ("checks.1.latency", "12.5", Verdict.UP, ""),
        ("status", '{"db":"up"}', Verdict.UP, ""),
        ("status.db", "down", Verdict.DOWN, "status.db is 'up' (expected 'down')"),
        ("checks.1.ok", "true", Verdict.DOWN, "checks.1.ok is 'false' (expected 'true')"),
        ("checks.5.ok", "", Verdict.DOWN, "checks.5.ok not found in the JSON body"),
        ("status.queue", "", Verdict.DOWN, "status.queue not found in the JSON body"),
        ("status.db.x", "", Verdict.DOWN, "status.db.x not found in the JSON body"),
    ],
)
def test_a_json_path_leads_to_the_expected_value(server, path, expected, verdict, error):
    body = {
        "status": {"db": "up"},
        "checks": [{"name": "db", "ok": True}, {"name": "cache", "ok": False, "latency": 12.5}],
    }
    server.routes["/"] = (200, {"Content-Type": "application/json"}, json.dumps(body).encode())

    outcome = check(http_target(server.at("/"), json_path=path, json_expected=expected))

    assert (outcome.verdict, outcome.error) == (verdict, error)


def test_a_json_path_on_a_body_that_is_not_json_is_down(server):
    server.routes["/"] = text("<html>hello</html>")

    outcome = check(http_target(server.at("/"), json_path="status"))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, "the body is not JSON")


def test_the_request_has_the_method_headers_and_body_configured(server):
    server.routes["/hook"] = text("accepted")

    outcome = check(
        http_target(
            server.at("/hook"),
            method="POST",
            headers={"Authorization": "Bearer s3cret", "X-Probe": "beacon"},
            body='{"ping": true}',
        )
    )

    assert outcome.verdict == Verdict.UP
    [request] = server.requests
    assert request["body"] == b'{"ping": true}'
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["headers"]["X-Probe"] == "beacon"
    assert request["headers"]["User-Agent"].startswith("Beacon-Monitor")


def test_headers_that_frame_the_request_are_left_to_the_client(server):
    server.routes["/"] = text("ok")

    outcome = check(
        http_target(server.at("/"), headers={"Content-Length": "999", "Connection": "upgrade"})
    )

    assert outcome.verdict == Verdict.UP
    assert server.requests[0]["headers"].get("Content-Length") in {None, "0"}


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"headers": {"X-Split": "a\r\nX-Injected: b"}},
            "the monitor's method or headers are not valid HTTP",
        ),
        ({"method": "NOT A METHOD"}, "the monitor's method or headers are not valid HTTP"),
    ],
)
def test_a_request_that_cannot_be_sent_is_down_and_says_why(server, fields, error):
    server.routes["/"] = text("ok")

    outcome = check(http_target(server.at("/"), **fields))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, error)
    assert server.requests == []


def test_a_head_check_reads_no_body(server):
    server.routes["/"] = text("ok")

    outcome = check(http_target(server.at("/"), method="HEAD"))

    assert (outcome.verdict, outcome.status_code) == (Verdict.UP, 200)


def test_redirects_are_followed_to_the_final_answer(server):
    server.routes["/old"] = redirect("/new", 301)
    server.routes["/new"] = redirect(server.at("/final"), 302)
    server.routes["/final"] = text("ok here")

    outcome = check(http_target(server.at("/old"), keyword="ok here"))

    assert (outcome.verdict, outcome.status_code) == (Verdict.UP, 200)
    assert server.hit("/final") == 1


def test_without_following_redirects_the_redirect_itself_is_judged(server):
    server.routes["/old"] = redirect("/new", 301)

    down = check(http_target(server.at("/old"), follow_redirects=False))
    up = check(http_target(server.at("/old"), follow_redirects=False, expected_statuses="301"))

    assert (down.verdict, down.error) == (Verdict.DOWN, "HTTP 301 (expected 200-299)")
    assert up.verdict == Verdict.UP
    assert server.hit("/new") == 0


def test_a_redirect_loop_is_a_clear_failure(server):
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a")
    server.routes["/self"] = redirect("/self", 307)

    loop = check(http_target(server.at("/a")))
    own = check(http_target(server.at("/self")))

    assert (loop.verdict, loop.error) == (Verdict.DOWN, f"redirect loop at {server.at('/a')}")
    assert own.error == f"redirect loop at {server.at('/self')}"
    assert server.hit("/a") == 1 and server.hit("/b") == 1


def test_an_endless_chain_of_redirects_stops_after_ten(server):
    server.routes.update({f"/r{n}": redirect(f"/r{n + 1}") for n in range(50)})

    outcome = check(http_target(server.at("/r0")))

    assert outcome.verdict == Verdict.DOWN
    assert outcome.error == f"more than 10 redirects (the last to {server.at('/r11')})"
    assert server.hit("/r11") == 0


def test_a_redirect_to_another_scheme_is_refused(server):
    server.routes["/"] = redirect("ftp://files.example.com/pub")

    outcome = check(http_target(server.at("/")))

    assert outcome.error == "a redirect to an unsupported address (ftp://files.example.com/pub)"


def test_a_post_redirected_with_303_becomes_a_get(server):
    server.routes["/submit"] = redirect("/done", 303)
    server.routes["/done"] = text("done")

    outcome = check(http_target(server.at("/submit"), method="POST", body="x=1"))

    assert outcome.verdict == Verdict.UP
    assert [r["path"] for r in server.requests] == ["/submit", "/done"]
    assert server.requests[1]["body"] == b""


def test_credentials_are_not_sent_to_another_origin_on_a_redirect(server):
    other = TargetServer().start()
    try:
        other.routes["/"] = text("ok")
        server.routes["/"] = redirect(other.at("/"))

        outcome = check(http_target(server.at("/"), headers={"Authorization": "Bearer s3cret"}))

        assert outcome.verdict == Verdict.UP
        assert "Authorization" in server.requests[0]["headers"]
        assert "Authorization" not in other.requests[0]["headers"]
    finally:
        other.stop()


def test_a_slower_answer_than_the_latency_threshold_is_degraded(server):
    server.routes["/"] = server.slow(0.3)

    slow = check(http_target(server.at("/"), degraded_latency_ms=100))
    fine = check(http_target(server.at("/"), degraded_latency_ms=60_000))

    assert slow.verdict == Verdict.DEGRADED
    assert slow.error.startswith("slow: ") and slow.error.endswith(" ms (over 100 ms)")
    assert slow.latency_ms is not None and slow.latency_ms >= 300
    assert fine.verdict == Verdict.UP


def test_a_server_that_does_not_answer_within_the_timeout_is_down(server):
    server.routes["/"] = server.held()

    outcome = check(http_target(server.at("/"), timeout=1))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, "no answer within 1 s")


def test_a_flapping_server_gives_each_check_its_own_verdict(server):
    server.routes["/"] = flapping(200, 503)

    verdicts = [check(http_target(server.at("/"))).verdict for _ in range(4)]

    assert verdicts == [Verdict.UP, Verdict.DOWN, Verdict.UP, Verdict.DOWN]


def test_a_stopped_server_is_down_with_connection_refused(server):
    server.routes["/"] = text("ok")
    url = server.at("/")
    assert check(http_target(url)).verdict == Verdict.UP

    server.stop()
    outcome = check(http_target(url))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, "connection refused")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://example.com/", "not a valid http:// or https:// URL"),
        ("not a url", "not a valid http:// or https:// URL"),
        ("http://", "not a valid http:// or https:// URL"),
        ("http://nothing-here.invalid/", "nothing-here.invalid does not resolve"),
        ("http://" + "a" * 70 + ".example/", "a" * 70 + ".example is not a valid host name"),
    ],
)
def test_a_target_that_is_not_a_reachable_url_is_down_with_a_clear_error(url, error):
    outcome = check(http_target(url))

    assert (outcome.verdict, outcome.error) == (Verdict.DOWN, error)


def test_a_batch_runs_concurrently_and_keeps_the_order_of_its_targets(server):
    server.routes["/up"] = text("ok")
    server.routes["/down"] = text("no", status=500)
    targets = [
        http_target(server.at("/up" if n % 3 else "/down"), keyword="ok" if n % 3 else "")
        for n in range(300)
    ]

    outcomes = check_all(targets)

    assert [o.error for o in outcomes if o.verdict == Verdict.DOWN] == [
        "HTTP 500 (expected 200-299)"
    ] * 100
    assert [o.verdict for o in outcomes] == [
        Verdict.UP if n % 3 else Verdict.DOWN for n in range(300)
    ]
    assert server.hit("/up") + server.hit("/down") == 300


def test_a_caller_with_its_own_event_loop_probes_through_one_shared_session(server):
    server.routes["/"] = text("ok")

    async def batch():
        async with open_session(concurrency=10) as session:
            return await asyncio.gather(
                *(probe(http_target(server.at("/"), keyword="ok"), session) for _ in range(20))
            )

    outcomes = on_fresh_loop(asyncio.wait_for(batch(), 120))

    assert {o.verdict for o in outcomes} == {Verdict.UP}


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf")])
def test_a_timeout_that_is_not_a_positive_number_is_refused(server, timeout):
    outcome = check(http_target(server.at("/"), timeout=timeout))

    assert outcome.error == "the monitor's timeout is not a positive number of seconds"
    assert server.requests == []


def test_an_empty_batch_runs_nothing():
    assert run_all([]) == []


def test_a_monitor_is_copied_into_a_target(page, api):
    copied: dict[str, Any] = {
        "target": "https://api.example.com/health",
        "method": "POST",
        "expected_statuses": "200,204",
        "keyword": "ok",
        "headers": {"X-Token": "abc"},
        "body": "{}",
        "follow_redirects": False,
        "degraded_latency_ms": 800,
    }
    monitor = Monitor.objects.create(
        page=page,
        component=Component.objects.get(pk=api.pk),
        name="API health",
        kind=MonitorKind.HTTP,
        timeout_seconds=7,
        **copied,
    )

    target = Target.from_monitor(monitor)

    assert target == Target(monitor_id=monitor.pk, kind="http", timeout=7.0, **copied)
