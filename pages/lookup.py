from django.http import Http404, HttpRequest

from .models import Page


def page_for(request: HttpRequest) -> Page:
    """The page this request is for: by host name, else the default page. Cached per request."""
    page = getattr(request, "_beacon_page", None)
    if page is None:
        page = Page.objects.for_host(request.get_host())
        if page is None:
            raise Http404("No status page has been set up yet.")
        request._beacon_page = page  # type: ignore[attr-defined]
    return page
