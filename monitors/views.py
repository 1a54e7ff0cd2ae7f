"""The heartbeat endpoint: tiny, without CSRF, session or cookies (a cron job calls it)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .heartbeats import PING_MIN_SECONDS, Ping, ping

ANSWERS = {
    Ping.RECORDED: (200, "OK\n"),
    Ping.UNKNOWN: (404, "No heartbeat has this URL.\n"),
    Ping.TOO_SOON: (429, "Too many pings; one a second is enough.\n"),
}


def _answer(request: HttpRequest, token: str, failed: bool) -> HttpResponse:
    if request.method not in ("GET", "POST", "HEAD"):
        response = HttpResponse("Use GET, POST or HEAD.\n", status=405, content_type="text/plain")
        response["Allow"] = "GET, POST, HEAD"
        return response
    status, text = ANSWERS[ping(token=token, failed=failed)]
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    if status == 429:
        response["Retry-After"] = str(int(PING_MIN_SECONDS))
    return response


@csrf_exempt
@never_cache
def heartbeat(request: HttpRequest, token: str) -> HttpResponse:
    return _answer(request, token, failed=False)


@csrf_exempt
@never_cache
def heartbeat_failed(request: HttpRequest, token: str) -> HttpResponse:
    return _answer(request, token, failed=True)
