from django.http import HttpRequest, HttpResponse
from django.urls import path

from statuspage.urls import handler404, urlpatterns

__all__ = ["handler404", "urlpatterns"]


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial", trivial), *urlpatterns]
