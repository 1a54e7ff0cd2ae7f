"""The page switcher in the admin's header: which page's rows the lists show.

The choice is kept in the session; "all pages" (no choice) shows every page the operator
belongs to. A choice of a page the operator has since left is ignored (admin_scope).
"""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .access import memberships
from .admin_scope import CURRENT_PAGE_KEY, current_page_id
from .models import Page


def switchable_pages(user: Any) -> list[Page]:
    if user.is_superuser:
        return list(Page.objects.order_by("name"))
    return list(Page.objects.filter(pk__in=list(memberships(user))).order_by("name"))


def switcher_context(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {"pages": []}
    pages = switchable_pages(user)
    current = current_page_id(request)
    return {
        "pages": pages if len(pages) > 1 else [],
        "current": next((page for page in pages if page.pk == current), None),
        "next": request.get_full_path(),
    }


@require_POST
def switch_page(request: HttpRequest) -> HttpResponse:
    chosen = request.POST.get("page", "")[:12]
    allowed = {page.pk for page in switchable_pages(request.user)}
    if not chosen:
        request.session.pop(CURRENT_PAGE_KEY, None)
    elif chosen in allowed:
        request.session[CURRENT_PAGE_KEY] = chosen
    else:
        messages.error(request, "You are not on that page's team; the current page is unchanged.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    return HttpResponseRedirect(next_url)
