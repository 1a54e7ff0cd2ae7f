"""OpenID Connect providers from the environment: the single OIDC_ISSUER & co., and OIDC_PROVIDERS,
a JSON list of several (statuspage/settings.py reads both, statuspage/signin.py applies them).

Each provider becomes one allauth app (its button on the sign-in page, its callback at
/accounts/oidc/<id>/login/callback/) and one policy: its name, the email domains it may sign
in, and whether its emails are taken as verified.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

# The id is part of the callback URL registered at the provider.
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")
SINGLE_ID = "sso"


# The roles a provider's groups may give (pages.models.Role; the settings cannot import models).
ROLES = ("responder", "admin")


@dataclass(frozen=True)
class GroupRole:
    """Members of `group` (in the provider's groups claim) get `role` on `pages`: page ids or
    host names, or "*" for every page."""

    group: str
    role: str
    pages: tuple[str, ...] = ("*",)


@dataclass(frozen=True)
class ProviderPolicy:
    name: str
    allowed_domains: list[str] = field(default_factory=list)
    trust_email: bool = False
    # With group_roles, the provider's groups decide the roles it gives (statuspage/signin.py).
    groups_claim: str = "groups"
    group_roles: tuple[GroupRole, ...] = ()


def parse_group_roles(value: Any, where: str) -> tuple[GroupRole, ...]:
    """{"group": "admin", "group": {"role": "responder", "pages": ["status.example.com"]}}."""
    if value in (None, "", {}):
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ImproperlyConfigured(f"{where} is not valid JSON: {error}.") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f'{where} must be a JSON object, as {{"ops": "admin"}}.')
    parsed = []
    for group, grant in value.items():
        if not group.strip():
            raise ImproperlyConfigured(f"{where}: a group name is empty.")
        pages: Any = ["*"]
        if isinstance(grant, dict):
            unknown = set(grant) - {"role", "pages"}
            if unknown:
                raise ImproperlyConfigured(
                    f"{where}: {group!r} has unknown keys: {', '.join(sorted(unknown))}."
                )
            pages = grant.get("pages", ["*"])
            grant = grant.get("role")
        if grant not in ROLES:
            raise ImproperlyConfigured(
                f"{where}: {group!r} must give one of the roles {', '.join(ROLES)}."
            )
        if (
            not isinstance(pages, list)
            or not pages
            or not all(isinstance(p, str) and p.strip() for p in pages)
        ):
            raise ImproperlyConfigured(
                f'{where}: {group!r}\'s pages must be a list of page ids or host names, or ["*"].'
            )
        parsed.append(
            GroupRole(group=group, role=grant, pages=tuple(p.strip().lower() for p in pages))
        )
    return tuple(parsed)


def check_issuer(issuer: str, variable: str) -> str:
    parsed = urlparse(issuer)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ImproperlyConfigured(f"{variable}={issuer!r} must be an http(s) URL.")
    return issuer.rstrip("/")


def app(*, provider_id: str, name: str, issuer: str, client_id: str, secret: str) -> dict:
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": client_id,
        "secret": secret,
        "settings": {"server_url": issuer},
    }


def parse_providers(raw: str) -> list[tuple[dict[str, Any], str, ProviderPolicy]]:
    """OIDC_PROVIDERS: (allauth app, id, policy) for each entry; a clear ImproperlyConfigured
    for anything missing or malformed."""
    if not raw.strip():
        return []
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"OIDC_PROVIDERS is not valid JSON: {error}.") from None
    if not isinstance(entries, list):
        raise ImproperlyConfigured("OIDC_PROVIDERS must be a JSON list of objects.")
    parsed = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"OIDC_PROVIDERS entry {number}"
        if not isinstance(entry, dict):
            raise ImproperlyConfigured(f"{where} must be a JSON object.")
        unknown = set(entry) - {
            "id",
            "name",
            "issuer",
            "client_id",
            "client_secret",
            "allowed_domains",
            "trust_email",
            "groups_claim",
            "group_roles",
        }
        if unknown:
            raise ImproperlyConfigured(f"{where} has unknown keys: {', '.join(sorted(unknown))}.")
        for key in ("id", "name", "issuer", "client_id", "client_secret"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ImproperlyConfigured(f"{where} needs {key!r} (a non-empty string).")
        provider_id = entry["id"]
        if not ID_PATTERN.match(provider_id):
            raise ImproperlyConfigured(
                f"{where}: id {provider_id!r} must be lowercase letters, digits, - or _ "
                "(at most 30), as it is part of the callback URL."
            )
        if provider_id in seen:
            raise ImproperlyConfigured(f"{where}: id {provider_id!r} is used twice.")
        seen.add(provider_id)
        domains = entry.get("allowed_domains", [])
        if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
            raise ImproperlyConfigured(f"{where}: allowed_domains must be a list of strings.")
        trust_email = entry.get("trust_email", False)
        if not isinstance(trust_email, bool):
            raise ImproperlyConfigured(f"{where}: trust_email must be true or false.")
        name = entry["name"].strip()
        groups_claim = entry.get("groups_claim", "groups")
        if not isinstance(groups_claim, str) or not groups_claim.strip():
            raise ImproperlyConfigured(f"{where}: groups_claim must be a claim name.")
        parsed.append(
            (
                app(
                    provider_id=provider_id,
                    name=name,
                    issuer=check_issuer(entry["issuer"], f"{where}: issuer"),
                    client_id=entry["client_id"],
                    secret=entry["client_secret"],
                ),
                provider_id,
                ProviderPolicy(
                    name=name,
                    allowed_domains=[d.strip().lower() for d in domains if d.strip()],
                    trust_email=trust_email,
                    groups_claim=groups_claim.strip(),
                    group_roles=parse_group_roles(
                        entry.get("group_roles"), f"{where}: group_roles"
                    ),
                ),
            )
        )
    return parsed
