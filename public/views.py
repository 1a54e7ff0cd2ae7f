# Placeholder: the public site is built in its own change.
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Beacon")


def incident(request: HttpRequest, incident_id: str) -> HttpResponse:
    return HttpResponseNotFound()


def maintenance(request: HttpRequest, maintenance_id: str) -> HttpResponse:
    return HttpResponseNotFound()


def history(request: HttpRequest) -> HttpResponse:
    return HttpResponse("history")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponseNotFound("Not found")
