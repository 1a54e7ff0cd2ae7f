"""Read benchmark: wrk against the status page, the API, a trivial view and nginx, in one run.

    python bench/read/run.py [--seconds 20] \
        [--servers granian,gunicorn-gthread,gunicorn-sync,uvicorn]

For each application server: `/` (plain, and asking for gzip as browsers do),
`/api/v2/summary.json`, `/` answered with 304 (the client sends the ETag of the last copy it
got, revalidate.lua) and a trivial Django view behind the same middleware, asked by a plain
client and by the revalidating one; plus nginx serving the plain bytes of `/` from a file.
Then the same page is made private, in the same run: `/` asked by a signed-in viewer (the
viewer cookie) and without a cookie (refused with a redirect to sign in), both compared with
the public `/`; and the page is made public again.
64 connections, 2 wrk threads. Prints requests per second, p50 and p99 latency, and the ratios
the targets are stated in. `granian` is Beacon's production web server and configuration
(statuspage/web.py); the others are there to compare.
"""

import argparse
import http.client
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.read.stack import Nginx, Result, Stack, print_results, wrk

# The 304 run's client follows the page's ETag, as a browser or cache revalidating would.
REVALIDATE = Path(__file__).with_name("revalidate.lua")


def _runs(stack: Stack, kind: str, seconds: int, *, etag: str) -> dict[str, Result]:
    """wrk against one application server, each URL as the module docstring says."""

    def run(label: str, path: str, **options: Any) -> Result:
        return wrk(f"{kind}: {label}", stack.url(path), seconds=seconds, **options)

    revalidating: dict[str, Any] = {"script": REVALIDATE, "script_args": [etag]}
    return {
        "home": run("/", "/"),
        "home-gzip": run("/ asking for gzip", "/", headers={"Accept-Encoding": "gzip"}),
        "api": run("/api/v2/summary.json", "/api/v2/summary.json"),
        "304": run("/ with If-None-Match (304)", "/", **revalidating),
        "trivial": run("trivial Django view", "/bench/trivial"),
        # The revalidating client costs wrk more per request than a plain one, on the same two
        # cores as the server: the 304s are compared with the trivial view asked by that same
        # client.
        "trivial-revalidating": run(
            "trivial view, revalidating client", "/bench/trivial", **revalidating
        ),
    }


# pages.viewers.COOKIE_NAME, without setting Django up in this process.
VIEWER_COOKIE = "beacon_viewer"
PRIVATE_CODE = """
from django.http import HttpResponse
from pages import viewers
from pages.models import Page
from pages.services import save_page
page = Page.objects.get(is_default=True)
page.is_private = {private}
page.viewer_emails = ["bench@example.com"]
save_page(page=page, actor="bench")
page.refresh_from_db()
response = HttpResponse()
viewers.grant(response, page, "bench@example.com", method="email", secure=False)
print(response.cookies[viewers.COOKIE_NAME].value)
"""


def _set_private(stack: Stack, private: bool) -> str:
    """Make the demo page private (or public again); the viewer cookie for it. Waits until the
    server answers accordingly (within its snapshot check interval)."""
    # The last line: `shell` may print what it imported first.
    cookie = stack.manage("shell", "-c", PRIVATE_CODE.format(private=private)).split()[-1]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=5)
        connection.request("GET", "/")
        status = connection.getresponse().status
        connection.close()
        if (status == 302) is private:
            return cookie
        time.sleep(0.2)
    raise RuntimeError("the page's visibility did not reach the server")


def _private_runs(stack: Stack, kind: str, seconds: int) -> dict[str, Result]:
    cookie = _set_private(stack, True)
    try:
        return {
            "private": wrk(
                f"{kind}: private /, signed in",
                stack.url("/"),
                seconds=seconds,
                headers={"Cookie": f"{VIEWER_COOKIE}={cookie}"},
            ),
            "refused": wrk(f"{kind}: private /, no cookie (302)", stack.url("/"), seconds=seconds),
        }
    finally:
        _set_private(stack, False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--servers", default="granian")
    args = parser.parse_args()

    with Stack.prepared() as stack:
        nginx = None
        try:
            all_results: list[Result] = []
            for kind in args.servers.split(","):
                server = stack.start(kind)
                home, headers = stack.fetch("/")
                stack.fetch("/api/v2/summary.json")
                if nginx is None:
                    nginx = Nginx(home, headers["Content-Type"])
                    nginx_result = wrk(
                        "nginx, same bytes from a file", nginx.url(), seconds=args.seconds
                    )
                    all_results.append(nginx_result)
                results = _runs(stack, kind, args.seconds, etag=headers["ETag"])
                private = _private_runs(stack, kind, args.seconds)
                stack.stop(server)
                all_results += results.values()
                all_results += private.values()
                trivial = results["trivial"].rps
                revalidated = results["304"].rps / results["trivial-revalidating"].rps
                print_results(all_results)
                print(
                    f"{kind}: / is {results['home'].rps / trivial:.2f}x the trivial view "
                    f"(target >= 0.9) and {results['home'].rps / nginx_result.rps:.2f}x nginx "
                    f"(target >= 0.10); /api/v2/summary.json {results['api'].rps / trivial:.2f}x "
                    f"the trivial view; 304s {revalidated:.2f}x the trivial view asked by the "
                    f"same client "
                    f"(target >= 1.0). / is {len(home)} bytes.",
                    flush=True,
                )
                public_rps = results["home"].rps
                print(
                    f"private: signed-in / is {private['private'].rps / public_rps:.2f}x the "
                    f"public page (target >= 0.8); refused without a cookie at "
                    f"{private['refused'].rps / public_rps:.2f}x the public page "
                    f"(target >= 1.0).",
                    flush=True,
                )
        finally:
            if nginx is not None:
                nginx.close()


if __name__ == "__main__":
    main()
