"""Viewers of a private page signing in through OpenID Connect (docs/private-pages.md).

The provider is the one operators sign in with (OIDC_ISSUER & co., or the one a superuser added
in the admin: statuspage/signin.py), but a viewer is not an operator: nothing here finds or
creates a Django user. A viewer whose provider vouches for an email address the page allows
(pages.viewers.email_allowed) gets the page's signed viewer cookie (pages.viewers.grant), and
that is all.

Authlib runs the authorization code flow: PKCE (S256), state and nonce, the code exchanged at the
token endpoint, and the ID token checked (signature against the provider's JWKS, issuer,
audience, expiry, nonce). The state, with its code verifier, nonce, page and where to go next,
lives in the visitor's session and is dropped when the callback first reads it, so a replayed
callback finds nothing. Each call to the provider waits at most SOCIALACCOUNT_REQUESTS_TIMEOUT
seconds for each read, as the operators' sign-in does, and reads at most MAX_ANSWER_BYTES.

Beside pages/viewer_views.py (the sign-in page, the email link), which offers the provider's
button when viewer_oidc_offered() says so.

The redirect URI to register with the provider is the page's public URL followed by
/viewer/oidc/callback; the sign-in starts on that host, so the state cookie comes back with it.
"""

import functools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import MultipleObjectsReturned
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import viewers
from .lookup import page_for
from .models import Page

if TYPE_CHECKING:
    from authlib.integrations.django_client import DjangoOAuth2App
    from authlib.integrations.requests_client import OAuth2Session

logger = logging.getLogger(__name__)

# The operators' provider, as statuspage/settings.py and the admin name it.
PROVIDER_ID = "sso"
# A sign-in left at the provider's page for longer than this starts again.
STATE_SECONDS = 600
NEXT_KEY = "beacon_next"
PAGE_KEY = "beacon_page"


# The most Beacon reads of one answer from the provider (discovery, keys, token, userinfo).
MAX_ANSWER_BYTES = 256 * 1024


class AnswerTooLarge(requests.RequestException):
    pass


def read_bounded(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    """A response hook: requests calls it before reading the body, which it then takes from
    here, so no answer is read past MAX_ANSWER_BYTES."""
    body = response.raw.read(MAX_ANSWER_BYTES + 1, decode_content=True)
    if len(body) > MAX_ANSWER_BYTES:
        response.close()
        raise AnswerTooLarge(f"{response.url} answered with more than {MAX_ANSWER_BYTES} bytes")
    response._content = body
    response._content_consumed = True
    return response


@functools.cache
def bounded_session() -> type["OAuth2Session"]:
    """Authlib's requests session, reading each answer through read_bounded.

    Authlib (with joserfc, some 4 MB) is imported when a viewer first signs in, not with the URL
    conf: every web process and worker loads the URL conf, and a page rarely has viewers who
    sign in through a provider (docs/performance.md, "Footprint of embedded mode")."""
    from authlib.integrations.requests_client import OAuth2Session

    class BoundedSession(OAuth2Session):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.hooks["response"].append(read_bounded)

    return BoundedSession


@dataclass(frozen=True)
class Provider:
    name: str
    discovery_url: str
    client_id: str
    client_secret: str


def provider_for(request: HttpRequest | None) -> Provider | None:
    """The OpenID Connect provider viewers sign in with, or None while none is set up."""
    try:
        app = get_adapter().get_app(request, provider=PROVIDER_ID)
    except (SocialApp.DoesNotExist, MultipleObjectsReturned):
        return None
    server_url = str((app.settings or {}).get("server_url") or "").rstrip("/")
    if not (server_url and app.client_id):
        return None
    if "/.well-known/" not in server_url:
        server_url += "/.well-known/openid-configuration"
    return Provider(
        name=app.name or settings.SIGNIN_OIDC_NAME,
        discovery_url=server_url,
        client_id=app.client_id,
        client_secret=app.secret,
    )


def viewer_oidc_offered(page: Page) -> bool:
    """Whether the page's sign-in offers the provider's button: only where it leads somewhere."""
    return bool(page.is_private and page.viewer_oidc) and provider_for(None) is not None


def client(provider: Provider) -> "DjangoOAuth2App":
    """A fresh client per sign-in: settings (and the admin's provider) may change at any time."""
    from authlib.integrations.django_client import OAuth

    registry = OAuth()
    registry.register(
        "beacon_viewer",
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.discovery_url,
        client_kwargs={
            "scope": "openid email",
            "code_challenge_method": "S256",
            "default_timeout": settings.SOCIALACCOUNT_REQUESTS_TIMEOUT,
        },
    )
    app = registry.create_client("beacon_viewer")
    app.client_cls = bounded_session()
    app.framework.expires_in = STATE_SECONDS
    return app


def callback_url(page: Page) -> str:
    return page.url.rstrip("/") + reverse("viewer-oidc-callback")


def safe_next(target: str) -> str:
    return target if viewers.is_safe_next(target) else "/"


def private_page(request: HttpRequest) -> Page:
    page = page_for(request)
    if not (page.is_private and page.viewer_oidc):
        raise Http404("This page offers no sign-in through a provider.")
    return page


@never_cache
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    page = private_page(request)
    target = safe_next(request.GET.get("next", ""))
    home = urlsplit(page.url)
    if home.netloc and home.netloc.lower() != request.get_host().lower():
        # The provider sends the viewer back to the page's public URL: start there, so the
        # session that holds the state is the one the callback reads.
        return HttpResponseRedirect(f"{page.url.rstrip('/')}{request.get_full_path()}")
    provider = provider_for(request)
    if provider is None:
        raise Http404("This page offers no sign-in through a provider.")
    app = client(provider)
    redirect_uri = callback_url(page)
    try:
        authorization = app.create_authorization_url(redirect_uri)
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as exc:
        logger.warning("viewer sign-in: %s could not be reached: %r", provider.name, exc)
        return failure(request, page, provider, "unreachable", status=502)
    app.save_authorize_data(
        request,
        redirect_uri=redirect_uri,
        **authorization,
        **{NEXT_KEY: target, PAGE_KEY: page.pk},
    )
    return HttpResponseRedirect(authorization["url"])


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    from authlib.integrations.django_client import OAuthError
    from joserfc.errors import JoseError

    page = private_page(request)
    provider = provider_for(request)
    if provider is None:
        raise Http404("This page offers no sign-in through a provider.")
    app = client(provider)
    state = request.GET.get("state", "")
    started = app.framework.get_state_data(request.session, state) if state else None
    if started is None or started.get(PAGE_KEY) != page.pk:
        # No sign-in started in this browser with that state, or it was used already, or it
        # was started for another page: the code (if any) is never exchanged.
        if state:
            app.framework.clear_state_data(request.session, state)
        return failure(request, page, provider, "expired", status=400)
    try:
        token = app.authorize_access_token(request)
        claims = identity(app, token)
    except OAuthError as exc:
        logger.warning("viewer sign-in: %s answered %s: %s", provider.name, exc.error, exc)
        reason = "denied" if exc.error in {"access_denied", "login_required"} else "failed"
        return failure(request, page, provider, reason, status=403 if reason == "denied" else 400)
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as exc:
        logger.warning("viewer sign-in: %s could not be reached: %r", provider.name, exc)
        return failure(request, page, provider, "unreachable", status=502)
    except JoseError as exc:
        logger.warning("viewer sign-in: %s sent an ID token that fails: %r", provider.name, exc)
        return failure(request, page, provider, "failed", status=400)
    finally:
        # authorize_access_token drops the state only once it gets that far; an error answer
        # must not leave it usable either.
        app.framework.clear_state_data(request.session, state)
    if claims is None:
        logger.warning("viewer sign-in: %s sent no ID token, or userinfo of another", provider.name)
        return failure(request, page, provider, "failed", status=400)
    email = verified_email(claims)
    if not email:
        return failure(request, page, provider, "no_email", status=403)
    if not viewers.email_allowed(page, email):
        logger.info("viewer sign-in: %s is not a viewer of %s", email, page.pk)
        return failure(request, page, provider, "not_allowed", status=403, email=email)
    response = HttpResponseRedirect(safe_next(str(started.get(NEXT_KEY) or "")))
    viewers.grant(response, page, email, method="oidc", secure=request.is_secure())
    logger.info("viewer sign-in: %s signed in to %s through %s", email, page.pk, provider.name)
    return response


def identity(app: "DjangoOAuth2App", token: dict[str, Any]) -> dict[str, Any] | None:
    """The checked ID token's claims, with the email from the userinfo endpoint where the ID
    token carries none (providers may keep it there: OpenID Connect Core 5.4). None without an
    ID token (then nothing checked the nonce) or when the userinfo is of another subject."""
    id_token = token.get("userinfo")
    if not id_token:
        return None
    claims = dict(id_token)
    if "email" not in claims and token.get("access_token"):
        userinfo = app.userinfo(token=token)
        if userinfo.get("sub") != claims.get("sub"):
            return None
        for name in ("email", "email_verified"):
            if name in userinfo:
                claims[name] = userinfo[name]
    return claims


def verified_email(claims: Any) -> str:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        return ""
    verified = claims.get("email_verified")
    # Some providers send "true" as a string; anything else is not a yes.
    if not (verified is True or verified == "true" or settings.SIGNIN_OIDC_TRUST_EMAIL):
        return ""
    return email.strip().lower()


MESSAGES = {
    "unreachable": "{provider} could not be reached, or its answer could not be read.",
    "expired": "This sign-in has expired or was already used.",
    "denied": "{provider} did not let you in.",
    "failed": "The answer from {provider} could not be checked.",
    "no_email": "{provider} signed you in without an email address it has verified.",
    "not_allowed": "{email} may not see this page.",
}


def failure(
    request: HttpRequest,
    page: Page,
    provider: Provider,
    reason: str,
    *,
    status: int,
    email: str = "",
) -> HttpResponse:
    context = {
        "page": page,
        "reason": reason,
        "message": MESSAGES[reason].format(provider=provider.name, email=email),
        "provider_name": provider.name,
        "email": email,
        "sign_in_url": viewers.SIGN_IN_PATH,
    }
    response = render(request, "pages/viewer_oidc_failed.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("viewer/oidc/start", start, name="viewer-oidc-start"),
    path("viewer/oidc/callback", callback, name="viewer-oidc-callback"),
]
