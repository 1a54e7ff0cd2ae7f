"""Operator sign-in through django-allauth: single sign-on (OpenID Connect) and a second factor.

Off unless configured (statuspage.admin_site.signin_routed). Once on, /admin/login/ sends
operators to /accounts/login/, which offers the password form (throttled exactly as the admin's
was, statuspage/admin_site.py) and the provider's button, then asks those who set up a second
factor for it (an authenticator app's code, a security key or a recovery code). Only the parts
of allauth this needs are reachable: no sign-up, no password reset by email, no email management.

Beacon has no self-service accounts: the provider may only sign in an *existing*, active staff
user, matched by an email address the provider says it verified (then linked to that user, so a
later change of email at the provider still finds them). Anyone else gets a page that says so,
and never an account.
"""

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import requests
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.admin import SocialAppAdmin
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from . import mfa_secrets
from .admin_site import (
    count_attempt,
    forgive_attempt,
    signin_routed,
    site,
    throttled_message,
)

logger = logging.getLogger(__name__)

# What of allauth's /accounts/ is served; the rest (sign-up, password reset by email, email
# and phone management, login by code) answers 404.
ALLOWED_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/accounts/2fa/",
    "/accounts/3rdparty/login/",
    "/accounts/oidc/",
)


# Where signing in a moment ago is enough, without confirming the password again.
JUST_SIGNED_IN_PATHS = (
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/webauthn/add/",
    "/accounts/2fa/recovery-codes/",
)


class OperatorAuthenticatorAdmin(AuthenticatorAdmin):
    """Read and delete only: the secrets in an authenticator's data never show."""

    fields = readonly_fields = ("user", "type", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def register_admin() -> None:
    """Superusers add the OpenID Connect provider in the admin (instead of OIDC_ISSUER & co.), and
    remove the authenticator of an operator who lost both their phone and recovery codes."""
    for model, model_admin in (
        (SocialApp, SocialAppAdmin),
        (Authenticator, OperatorAuthenticatorAdmin),
    ):
        if not site.is_registered(model):
            site.register(model, model_admin)


def password_refused(user: AbstractBaseUser) -> bool:
    """OIDC_REQUIRED: only superusers may still sign in with a password (the way in when the
    provider is down or misconfigured)."""
    return bool(settings.SIGNIN_OIDC_REQUIRED) and not getattr(user, "is_superuser", False)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Failed passwords are counted by Beacon's throttle alone (authenticate below): allauth's
        own count of a username across all addresses would let a stranger lock an operator out.
        Its count of wrong second-factor codes per user (5 in 5 minutes) stays."""

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        """The admin's throttle around allauth's password check; only staff may sign in."""
        username = str(credentials.get("username") or "")[:150]
        attempt = count_attempt(request, username)
        if attempt.wait:
            raise ValidationError(throttled_message(attempt.wait))
        user = super().authenticate(request, **credentials)
        if user is None or not getattr(user, "is_staff", False):
            # The same answer as a wrong password: nothing says which accounts exist.
            return None
        forgive_attempt(attempt)
        if password_refused(user):
            raise ValidationError(
                f"Sign in with {settings.SIGNIN_OIDC_NAME}: password sign-in is kept for "
                "superusers."
            )
        return user

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Setting up a second factor (and reading the recovery codes it makes) just after
        signing in asks for nothing again: MFA_REQUIRED sends operators there straight from the
        sign-in, and those who sign in through the provider have no password to confirm."""
        request = context.request
        if (
            app == "allauth.mfa"
            and request.path_info.startswith(JUST_SIGNED_IN_PATHS)
            and signed_in_within(request, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT)
        ):
            return False
        return bool(super().is_reauthentication_required(app=app, **kwargs))


def signed_in_within(request: HttpRequest, seconds: int) -> bool:
    records = get_authentication_records(request, request.user)
    return bool(records) and time.time() - float(records[-1].get("at", 0)) < seconds


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds encrypted at rest (statuspage/mfa_secrets.py)."""

    def encrypt(self, text: str) -> str:
        return mfa_secrets.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.decrypt(encrypted_text)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        trusted = settings.SIGNIN_OIDC_TRUST_EMAIL
        verified = [
            address.email.strip().lower()
            for address in sociallogin.email_addresses
            if address.email and (address.verified or trusted)
        ]
        allowed = settings.SIGNIN_OIDC_ALLOWED_DOMAINS
        if allowed:
            verified = [email for email in verified if email.rpartition("@")[2] in allowed]
        if sociallogin.is_existing:
            user = sociallogin.user
            if not (user.is_active and user.is_staff) or (allowed and not verified):
                raise ImmediateHttpResponse(no_operator(request, verified))
            return
        operators = list(
            User.objects.filter(email__iexact=verified[0], is_active=True, is_staff=True)
            if verified
            else []
        )
        if len(operators) != 1:
            # None, or two accounts sharing an email: which one is meant is not ours to guess.
            raise ImmediateHttpResponse(no_operator(request, verified))
        sociallogin.connect(request, operators[0])
        logger.info("signin: linked %s to operator %s", sociallogin.account.provider, operators[0])

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        # The provider's answer and our own exception stay in the log, never on the page.
        logger.warning(
            "signin: %s answered with an error (%s): %r",
            getattr(provider, "id", provider),
            error,
            exception,
        )


def no_operator(request: HttpRequest, emails: list[str]) -> HttpResponse:
    return render(
        request,
        "signin/no_operator.html",
        {
            "title": "No operator account",
            "emails": emails,
            "provider_name": settings.SIGNIN_OIDC_NAME,
            "domains": settings.SIGNIN_OIDC_ALLOWED_DOMAINS,
        },
        status=403,
    )


def needs_second_factor(user: Any) -> bool:
    return (
        bool(settings.SIGNIN_MFA_REQUIRED)
        and user.is_authenticated
        and user.is_staff
        and not Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists()
    )


class SignInMiddleware:
    """Hides /accounts/ while sign-in is off, serves only the parts of it Beacon uses, and with
    MFA_REQUIRED sends a staff user without a second factor to set one up before the admin
    opens."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith("/accounts/") and not (
            signin_routed() and path.startswith(ALLOWED_PREFIXES)
        ):
            raise Http404("No such page.")
        if (
            path.startswith("/admin/")
            and not path.startswith(("/admin/logout/", "/admin/login/"))
            and needs_second_factor(request.user)
        ):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{query}")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A provider that is down or answers nonsense where allauth does not expect it (its
        discovery document, read when a sign-in starts): a page that says so, not a 500."""
        if not request.path_info.startswith("/accounts/oidc/"):
            return None
        if not isinstance(exception, requests.RequestException | ValueError | KeyError):
            return None
        logger.warning("signin: the provider could not be reached: %r", exception)
        return render(
            request,
            "signin/provider_unavailable.html",
            {"provider_name": settings.SIGNIN_OIDC_NAME},
            status=502,
        )
