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

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, NoReturn
from urllib.parse import urlencode

import requests
from allauth.account import signals as account_signals
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_socialaccount_adapter
from allauth.socialaccount.admin import SocialAppAdmin
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from events.models import AccountAction
from events.services import record_account_audit
from pages import team
from pages.models import Page

from . import mfa_secrets
from .admin_site import (
    client_address,
    count_attempt,
    forgive_attempt,
    signin_routed,
    site,
    throttled_message,
)
from .oidc_settings import ProviderPolicy

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

    def delete_model(self, request: HttpRequest, obj: Authenticator) -> None:
        audit_removed_in_admin(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for authenticator in queryset.select_related("user"):
            audit_removed_in_admin(request, authenticator)
        super().delete_queryset(request, queryset)


def audit_removed_in_admin(request: HttpRequest, authenticator: Authenticator) -> None:
    record_account_audit(
        action=AccountAction.MFA_DISABLED,
        user=authenticator.user,
        actor=request.user,
        details={"type": authenticator.type, "removed_in": "admin"},
    )


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
        if user is not None and not getattr(user, "is_staff", False):
            # A wrong password was recorded by Django's user_login_failed (audit_failed_sign_in).
            record_account_audit(
                action=AccountAction.SIGN_IN_FAILED,
                user=user,
                actor="anonymous",
                details={
                    "method": "password",
                    "reason": "not staff",
                    "address": client_address(request),
                },
            )
        if user is None or not getattr(user, "is_staff", False):
            # The same answer as a wrong password: nothing says which accounts exist.
            return None
        forgive_attempt(attempt)
        if password_refused(user):
            raise ValidationError(
                f"Sign in with {provider_names(request)}: password sign-in is kept for superusers."
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


def policy_for(request: HttpRequest | None, provider_id: str) -> ProviderPolicy:
    """A provider's name, allowed domains and trust in its emails: its own when it comes from
    OIDC_PROVIDERS, else (OIDC_ISSUER's, or one added in the admin) the OIDC_* settings."""
    configured = settings.SIGNIN_OIDC_POLICIES.get(provider_id)
    if configured is not None:
        return configured
    name = settings.SIGNIN_OIDC_NAME
    # No such provider (any more): the generic name will do.
    with contextlib.suppress(Exception):
        name = get_socialaccount_adapter().get_provider(request, provider_id).name or name
    return ProviderPolicy(
        name=name,
        allowed_domains=settings.SIGNIN_OIDC_ALLOWED_DOMAINS,
        trust_email=settings.SIGNIN_OIDC_TRUST_EMAIL,
    )


def provider_names(request: HttpRequest) -> str:
    """The providers on the sign-in page, for "Sign in with ..."."""
    try:
        names = [provider.name for provider in get_socialaccount_adapter().list_providers(request)]
    except Exception:
        names = []
    return " or ".join(names) or settings.SIGNIN_OIDC_NAME


def audit_sso_failure(request: HttpRequest, provider_id: str, reason: str) -> None:
    """A sign-in through a provider failed (before any account was known)."""
    record_account_audit(
        action=AccountAction.SIGN_IN_FAILED,
        user=None,
        actor="anonymous",
        details={
            "method": "sso",
            "provider": provider_id,
            "reason": reason,
            "address": client_address(request),
        },
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider_id = sociallogin.account.provider
        policy = policy_for(request, provider_id)
        emails = [
            address.email.strip().lower()
            for address in sociallogin.email_addresses
            if address.email and (address.verified or policy.trust_email)
        ]
        allowed = policy.allowed_domains
        verified = [e for e in emails if not allowed or e.rpartition("@")[2] in allowed]
        refusal = ""
        if not emails:
            refusal = "unverified"
        elif not verified:
            refusal = "domain"
        grants = granted_roles(policy, provider_claims(sociallogin))
        if sociallogin.is_existing:
            user = sociallogin.user
            if not (user.is_active and user.is_staff):
                refusal = "unknown"
            if refusal:
                refuse(request, policy, provider_id, refusal, emails, user=user)
            sync_roles(policy, provider_id, user, grants)
            return
        operators = list(
            User.objects.filter(email__iexact=verified[0], is_active=True, is_staff=True)
            if verified
            else []
        )
        if not refusal and not operators and grants:
            operators = provisioned(verified[0])
        if not refusal and len(operators) != 1:
            # None, or two accounts sharing an email: which one is meant is not ours to guess.
            refusal = "unknown"
        if refusal:
            refuse(request, policy, provider_id, refusal, emails)
        sociallogin.connect(request, operators[0])
        logger.info("signin: linked %s to operator %s", provider_id, operators[0])
        sync_roles(policy, provider_id, operators[0], grants)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        # The provider's answer and our own exception stay in the log, never on the page.
        provider_id = str(getattr(provider, "id", provider))
        logger.warning("signin: %s answered with an error (%s): %r", provider_id, error, exception)
        audit_sso_failure(request, provider_id, str(error or "error")[:40])


def provider_claims(sociallogin: SocialLogin) -> dict[str, Any]:
    """The provider's claims about the person: its userinfo answer, else the ID token's."""
    data = sociallogin.account.extra_data or {}
    merged: dict[str, Any] = {}
    for part in ("id_token", "userinfo"):
        if isinstance(data.get(part), dict):
            merged.update(data[part])
    return merged or (data if isinstance(data, dict) else {})


def granted_roles(policy: ProviderPolicy, claims: dict[str, Any]) -> dict[Page, str]:
    """The role on each page the person's groups give, the higher one where two do; {} when
    the provider maps no groups (roles are then given in Beacon only)."""
    if not policy.group_roles:
        return {}
    groups = claims.get(policy.groups_claim)
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list):
        groups = []
    held = {g for g in groups if isinstance(g, str)}
    grants: dict[Page, str] = {}
    for rule in policy.group_roles:
        if rule.group not in held:
            continue
        for page in team.pages_for(rule.pages):
            if grants.get(page) != "admin":
                grants[page] = rule.role
    return grants


def sync_roles(
    policy: ProviderPolicy, provider_id: str, user: Any, grants: dict[Page, str]
) -> None:
    """With group_roles, the provider keeps the memberships its groups give (pages/team.py)."""
    if policy.group_roles:
        team.sync_provider_memberships(
            user=user,
            grants=grants,
            source=f"sso:{provider_id}",
            actor=f"{policy.name} (single sign-on)",
        )


def provisioned(email: str) -> list[Any]:
    """An operator account for someone the provider's groups give a role, made at their first
    sign-in: no password (they sign in through the provider), the username their address."""
    if User.objects.filter(username__iexact=email).exists():
        return []  # the name is someone else's: refused as an unknown operator
    user = User(username=email, email=email, is_staff=True)
    user.set_unusable_password()
    user.save()
    logger.info("signin: made operator %s from the provider's groups", email)
    return [user]


REFUSALS = {
    "unverified": "no verified email",
    "domain": "email domain not allowed",
    "unknown": "no operator account",
}


def refuse(
    request: HttpRequest,
    policy: ProviderPolicy,
    provider_id: str,
    reason: str,
    emails: list[str],
    user: Any = None,
) -> NoReturn:
    """The provider vouched for someone Beacon will not sign in: say why, and keep a record."""
    record_account_audit(
        action=AccountAction.SIGN_IN_FAILED,
        user=user,
        actor="anonymous",
        username=", ".join(emails),
        details={
            "method": "sso",
            "provider": provider_id,
            "reason": REFUSALS[reason],
            "emails": emails,
            "address": client_address(request),
        },
    )
    raise ImmediateHttpResponse(
        render(
            request,
            "signin/no_operator.html",
            {
                "title": "No operator account",
                "reason": reason,
                "emails": emails,
                "provider_name": policy.name,
                "domains": policy.allowed_domains,
            },
            status=403,
        )
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
        """A provider that is down, hung (every call to it is bounded by
        SOCIALACCOUNT_REQUESTS_TIMEOUT) or answers nonsense where allauth does not expect it (its
        discovery document, read when a sign-in starts and again at the callback): a page that
        says so, not a 500. Likewise a second factor whose stored secret the server's keys no
        longer open."""
        if isinstance(exception, mfa_secrets.SecretUnreadable):
            logger.error("signin: %s", exception)
            return render(request, "signin/second_factor_unreadable.html", status=503)
        if not request.path_info.startswith("/accounts/oidc/"):
            return None
        if not isinstance(exception, requests.RequestException | ValueError | KeyError):
            return None
        provider_id = request.path_info.removeprefix("/accounts/oidc/").partition("/")[0]
        logger.warning("signin: %s could not be reached: %r", provider_id, exception)
        audit_sso_failure(request, provider_id, "provider unreachable")
        return render(
            request,
            "signin/provider_unavailable.html",
            {"provider_name": policy_for(request, provider_id).name},
            status=502,
        )


# The audit log of operators' sign-ins and second factors, from Django's and allauth's own
# signals: installation-wide entries (no page) in events' AuditEntry. Nothing typed in a
# password or code field is ever recorded.


def sign_in_details(request: HttpRequest, user: Any) -> dict[str, Any]:
    records = get_authentication_records(request, user) if request is not None else []
    social = next((r for r in records if r.get("method") == "socialaccount"), None)
    factor = next((r for r in records if r.get("method") == "mfa"), None)
    details: dict[str, Any] = {"method": "sso" if social else "password"}
    if social:
        details["provider"] = social.get("provider", "")
    if factor:
        details["second_factor"] = factor.get("type", "")
    if request is not None:
        details["address"] = client_address(request)
    return details


@receiver(account_signals.user_logged_in, dispatch_uid="beacon.audit.allauth_sign_in")
def audit_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record_account_audit(
        action=AccountAction.SIGN_IN,
        user=user,
        actor=user,
        details=sign_in_details(request, user),
    )


@receiver(auth_signals.user_logged_in, dispatch_uid="beacon.audit.admin_sign_in")
def audit_admin_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """The admin's own password form (while sign-in is not routed to /accounts/); allauth's
    sign-ins are recorded by audit_sign_in, once the second factor is given too."""
    if request is None or request.path_info.startswith("/accounts/"):
        return
    details = {"method": "password", "address": client_address(request)}
    record_account_audit(action=AccountAction.SIGN_IN, user=user, actor=user, details=details)


@receiver(auth_signals.user_login_failed, dispatch_uid="beacon.audit.failed_password")
def audit_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the username: Django masks the password in `credentials`, and it is not kept anyway.
    username = str(credentials.get("username") or credentials.get("email") or "")[:150]
    user = User.objects.filter(username=username).first() if username else None
    details: dict[str, Any] = {"method": "password", "reason": "wrong username or password"}
    if request is not None:
        details["address"] = client_address(request)
    record_account_audit(
        action=AccountAction.SIGN_IN_FAILED,
        user=user,
        actor="anonymous",
        username=username,
        details=details,
    )


@receiver(auth_signals.user_logged_out, dispatch_uid="beacon.audit.sign_out")
def audit_sign_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None or not user.is_authenticated:
        return
    details = {"address": client_address(request)} if request is not None else None
    record_account_audit(action=AccountAction.SIGN_OUT, user=user, actor=user, details=details)


def _audit_own_factor(action: AccountAction, user: Any, authenticator: Authenticator) -> None:
    """An operator added or removed one of their own second factors: the entry names its type."""
    record_account_audit(action=action, user=user, actor=user, details={"type": authenticator.type})


@receiver(mfa_signals.authenticator_added, dispatch_uid="beacon.audit.mfa_added")
def audit_second_factor_added(
    sender: Any, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        return  # made together with the first app or key, whose entry says so
    _audit_own_factor(AccountAction.MFA_ENABLED, user, authenticator)


@receiver(mfa_signals.authenticator_removed, dispatch_uid="beacon.audit.mfa_removed")
def audit_second_factor_removed(
    sender: Any, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    _audit_own_factor(AccountAction.MFA_DISABLED, user, authenticator)


@receiver(mfa_signals.authenticator_reset, dispatch_uid="beacon.audit.mfa_reset")
def audit_recovery_codes_regenerated(
    sender: Any, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    record_account_audit(action=AccountAction.RECOVERY_CODES_REGENERATED, user=user, actor=user)


@receiver(mfa_signals.authenticator_used, dispatch_uid="beacon.audit.mfa_used")
def audit_recovery_code_used(
    sender: Any, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    if authenticator.type != Authenticator.Type.RECOVERY_CODES:
        return  # an app's code or a key is part of the sign-in's own entry
    # The instance sent is the one read before the code was marked used.
    stored = Authenticator.objects.filter(pk=authenticator.pk).first() or authenticator
    left = len(RecoveryCodes(stored).get_unused_codes())
    record_account_audit(
        action=AccountAction.RECOVERY_CODE_USED,
        user=user,
        actor=user,
        details={"codes_left": left, "address": client_address(request)},
    )


@receiver(mfa_signals.authentication_failed, dispatch_uid="beacon.audit.mfa_failed")
def audit_wrong_code(
    sender: Any, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    record_account_audit(
        action=AccountAction.SIGN_IN_FAILED,
        user=user,
        actor="anonymous",
        details={
            "method": "second_factor",
            "type": authenticator.type,
            "reason": "wrong code",
            "reauthentication": bool(kwargs.get("reauthentication")),
            "address": client_address(request),
        },
    )
