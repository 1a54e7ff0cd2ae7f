"""Roles from the provider's groups: a real OpenID Connect provider (node-oidc-provider) whose
accounts carry a `groups` claim, and Beacon's memberships following it at each sign-in."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured

from events.models import AuditEntry
from pages.models import Membership
from pages.roles import assign_role
from statuspage.oidc_settings import GroupRole, ProviderPolicy, parse_group_roles
from tests.support.oidc import (
    OPERATOR_CALLBACK,
    VIEWER_CALLBACK,
    OIDCProvider,
    sign_in_at_idp,
)

from .test_sso import start_sso

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNTS = {
    "olga-at-idp": {"email": "olga@example.com", "email_verified": True, "groups": ["sre"]},
    "pete-at-idp": {
        "email": "pete@example.com",
        "email_verified": True,
        "groups": ["oncall", "finance"],
    },
    "nobody-at-idp": {"email": "nobody@example.com", "email_verified": True, "groups": ["x"]},
}


@pytest.fixture
def idp(live_server, settings, tmp_path):
    """The provider with grouped accounts, and Beacon mapping two of its groups to roles."""
    provider = OIDCProvider(
        redirect_uris=[live_server.url + OPERATOR_CALLBACK, live_server.url + VIEWER_CALLBACK],
        accounts={name: dict(claims) for name, claims in ACCOUNTS.items()},
        log=tmp_path / "oidc-provider.log",
    ).start()
    settings.SIGNIN_OIDC_ISSUER = provider.issuer
    settings.SIGNIN_OIDC_NAME = "Example SSO"
    settings.SOCIALACCOUNT_PROVIDERS = provider.settings_for_beacon("Example SSO")
    settings.SIGNIN_OIDC_POLICIES = {
        "sso": ProviderPolicy(
            name="Example SSO",
            group_roles=(
                GroupRole(group="sre", role="admin"),
                GroupRole(group="oncall", role="responder", pages=("other.test",)),
            ),
        )
    }
    yield provider
    provider.stop()


def roles_of(email: str) -> dict[str, tuple[str, str]]:
    return {
        m.page.name: (m.role, m.source)
        for m in Membership.objects.filter(user__email=email).select_related("page")
    }


def test_the_groups_make_the_operator_and_give_the_roles_they_map_to(
    idp, new_browser, page, other_page
):
    olga = new_browser()
    assert sign_in_at_idp(olga, start_sso(olga), "olga-at-idp").url.endswith("/admin/")
    pete = new_browser()
    assert sign_in_at_idp(pete, start_sso(pete), "pete-at-idp").url.endswith("/admin/")

    made = User.objects.get(email="olga@example.com")
    assert made.is_staff and not made.is_superuser and not made.has_usable_password()
    assert roles_of("olga@example.com") == {
        "Example Status": ("admin", "sso:sso"),
        "Other": ("admin", "sso:sso"),
    }
    assert roles_of("pete@example.com") == {"Other": ("responder", "sso:sso")}
    assert (
        AuditEntry.objects.filter(
            page=other_page, action="membership.added", actor_label="Example SSO (single sign-on)"
        ).count()
        == 2
    )


def test_groups_that_map_to_nothing_still_make_no_operator(idp, new_browser, page):
    nobody = new_browser()
    reply = sign_in_at_idp(nobody, start_sso(nobody), "nobody-at-idp")

    assert reply.status_code == 403
    assert "No operator account" in reply.text
    assert not User.objects.filter(email="nobody@example.com").exists()


def test_leaving_a_group_takes_its_role_away_and_leaves_what_a_person_gave(
    idp, new_browser, page, other_page
):
    pete = new_browser()
    sign_in_at_idp(pete, start_sso(pete), "pete-at-idp")
    account = User.objects.get(email="pete@example.com")
    assign_role(account, "responder", page)  # given in Beacon, by a person

    idp.stop()
    idp.accounts["pete-at-idp"]["groups"] = ["finance"]
    idp.start()
    again = new_browser()
    sign_in_at_idp(again, start_sso(again), "pete-at-idp")

    assert roles_of("pete@example.com") == {"Example Status": ("responder", "")}
    assert AuditEntry.objects.filter(
        page=other_page, action="membership.removed", actor_label="Example SSO (single sign-on)"
    ).exists()

    idp.stop()
    idp.accounts["pete-at-idp"]["groups"] = ["sre"]
    idp.start()
    third = new_browser()
    sign_in_at_idp(third, start_sso(third), "pete-at-idp")

    # The provider gives admin where it keeps the role; the one a person gave stays theirs.
    assert roles_of("pete@example.com") == {
        "Example Status": ("responder", ""),
        "Other": ("admin", "sso:sso"),
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[1]", "must be a JSON object"),
        ("{", "not valid JSON"),
        ('{"sre": "owner"}', "one of the roles responder, admin"),
        ('{"sre": {"role": "admin", "pages": []}}', "pages must be a list"),
        ('{"sre": {"role": "admin", "where": "x"}}', "unknown keys: where"),
        ('{" ": "admin"}', "a group name is empty"),
    ],
)
def test_a_malformed_mapping_stops_beacon_with_a_message_naming_it(raw, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_group_roles(raw, "OIDC_GROUP_ROLES")


def test_the_mapping_reads_roles_and_pages():
    assert parse_group_roles(
        '{"sre": "admin", "oncall": {"role": "responder", "pages": ["Status.Example.com"]}}', "x"
    ) == (
        GroupRole(group="sre", role="admin", pages=("*",)),
        GroupRole(group="oncall", role="responder", pages=("status.example.com",)),
    )
