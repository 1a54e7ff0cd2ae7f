"""Viewers of a private page signing in and out (pages/viewers.py holds the credentials).

    GET  /viewer/sign-in?next=/…   the ways in: an email link, and single sign-on if offered
    POST /viewer/sign-in           ask for an email link (the same answer for every address)
    GET  /viewer/link/<token>      the link from the email: a button, since mail scanners follow
    POST /viewer/link/<token>      links and the link works once; sets the cookie, goes to next
    GET  /viewer/                  who is signed in, and their own feed and calendar links
    POST /viewer/sign-out          clears the cookie

Like the subscribe forms these take no CSRF token (no cookie is set before signing in): the
email form only sends a link to the address given, the link's token authorises using it, and
signing out is harmless. Nothing here is cached by anyone but the viewer's browser.
"""

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from statuspage.admin_site import client_address
from statuspage.throttle import over_limit

from . import services, viewer_oidc, viewers
from .lookup import page_for
from .models import Page

LIMIT_WINDOW = 3600


class ViewerEmailForm(forms.Form):
    email = forms.EmailField(
        label="Your email address", max_length=254, widget=forms.EmailInput(attrs={"autofocus": ""})
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def safe_next(value: str | None) -> str:
    value = value or "/"
    return value if viewers.is_safe_next(value) else "/"


def oidc_start_url(page: Page, next_path: str) -> str | None:
    """Where "Sign in with …" goes, when the page offers single sign-on and it is set up."""
    if not viewer_oidc.viewer_oidc_offered(page):
        return None
    try:
        start = reverse("viewer-oidc-start")
    except NoReverseMatch:
        return None
    return f"{start}?{urlencode({'next': next_path})}"


def signed_in_viewer(request: HttpRequest, page: Page) -> str | None:
    access = viewers.access_of(page)
    cookie = viewers.cookie_from(request.META)
    if access is None or not access.private or cookie is None:
        return None
    return viewers.viewer_from(cookie, access)


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)  # `private` among them
    return response


def _sign_in_page(
    request: HttpRequest, page: Page, form: ViewerEmailForm, next_path: str, status: int = 200
) -> HttpResponse:
    context = {
        "page": page,
        "form": form,
        "next": next_path,
        "oidc_url": oidc_start_url(page, next_path),
        "oidc_name": settings.SIGNIN_OIDC_NAME,
    }
    return _private(render(request, "pages/viewer_sign_in.html", context, status=status))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    page = page_for(request)
    if request.method != "POST":
        next_path = safe_next(request.GET.get("next"))
        if not page.is_private:
            # A public page needs no sign-in; one limited to networks offers none.
            if page.allowed_networks:
                return _private(render(request, "pages/viewer_network_only.html", status=403))
            return HttpResponseRedirect(next_path)
        if signed_in_viewer(request, page) is not None:
            return _private(HttpResponseRedirect(next_path))
        form = ViewerEmailForm(initial={"next": next_path})
        return _sign_in_page(request, page, form, next_path)
    form = ViewerEmailForm(request.POST)
    next_path = safe_next(request.POST.get("next"))
    if not page.is_private:
        return HttpResponseRedirect(next_path)
    key = f"viewer-link:ip:{client_address(request)}"
    limit = settings.VIEWER_LINK_LIMIT_PER_IP
    if over_limit(key, limit=limit, window=LIMIT_WINDOW, what="viewer sign-in limit"):
        form.is_valid()
        response = _sign_in_page(request, page, form, next_path, status=429)
        response["Retry-After"] = str(LIMIT_WINDOW)
        return response
    if not form.is_valid():
        return _sign_in_page(request, page, form, next_path, status=400)
    services.request_viewer_link(page=page, email=form.cleaned_data["email"], next_path=next_path)
    # The same answer whether the address may see the page or not.
    return _private(render(request, "pages/viewer_check_inbox.html", {"page": page}))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def use_link(request: HttpRequest, token: str) -> HttpResponse:
    page = page_for(request)
    link_id = viewers.link_id_from(token)
    if link_id is None:
        return _invalid_link(request, page, "This sign-in link has expired or is not valid.")
    if request.method != "POST":
        context = {"page": page, "token": token}
        return _private(render(request, "pages/viewer_link.html", context))
    link = services.use_viewer_link(page=page, link_id=link_id)
    if link is None:
        return _invalid_link(
            request,
            page,
            "This sign-in link has already been used, has expired, or is not for this page.",
        )
    response = HttpResponseRedirect(safe_next(link.next_path))
    viewers.grant(response, page, link.email, method="email", secure=request.is_secure())
    return _private(response)


def _invalid_link(request: HttpRequest, page: Page, message: str) -> HttpResponse:
    context = {"page": page, "message": message, "sign_in_url": viewers.sign_in_url("/")}
    return _private(render(request, "pages/viewer_invalid_link.html", context, status=400))


@require_safe
def viewer_home(request: HttpRequest) -> HttpResponse:
    page = page_for(request)
    email = signed_in_viewer(request, page)
    if email is None:
        return _private(HttpResponseRedirect(viewers.sign_in_url("/viewer/")))
    token = viewers.feed_token(page, email)
    query = "?" + urlencode({viewers.TOKEN_PARAMETER: token})
    links = []
    if page.allow_rss_atom_feeds:
        links += [("Atom feed", "/history.atom"), ("RSS feed", "/history.rss")]
    links += [
        ("Maintenance calendar", "/maintenance.ics"),
        ("Status badge", "/badge.svg"),
        ("Summary (API)", "/api/v2/summary.json"),
    ]
    context = {
        "page": page,
        "email": email,
        "links": [(label, page.url + path + query) for label, path in links],
    }
    return _private(render(request, "pages/viewer.html", context))


@csrf_exempt
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    response = HttpResponseRedirect(viewers.SIGN_IN_PATH)
    viewers.sign_out(response)
    return _private(response)
