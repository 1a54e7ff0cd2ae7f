"""A page's team screen and invitations by email, through the real SMTP server."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from events.models import AuditEntry
from pages import team
from pages.models import Invitation, Membership
from tests.support import personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def gail(page) -> User:
    """A page admin of the default page."""
    return personas.operator("gail", "admin", page)


@pytest.fixture
def hugo(page) -> User:
    """A responder of the default page."""
    return personas.operator("hugo", "responder", page)


def team_url(page) -> str:
    return reverse("admin:pages_page_team", args=[page.pk])


def invite(client, page, email, role="responder", capture=None):
    with capture(execute=True):
        return client.post(team_url(page), {"action": "invite", "email": email, "role": role})


def link_in(smtp, address) -> str:
    (message,) = smtp.recorder.messages_to(address)
    body = message.get_payload(decode=True).decode()
    found = re.search(r"https?://\S+/invitations/\S+/", body)
    assert found, body
    return found.group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.fixture
def link_for_gail(client, alice, other_page, smtp, django_capture_on_commit_callbacks) -> str:
    """The link in the email that invites gail, an admin of the default page, to be an admin
    of the other page too (alice sent it)."""
    client.force_login(alice)
    invite(
        client,
        other_page,
        "gail@example.com",
        role="admin",
        capture=django_capture_on_commit_callbacks,
    )
    return link_in(smtp, "gail@example.com")


def test_a_page_admin_sees_the_members_and_pending_invitations(client, gail, hugo, page):
    team.invite(page=page, email="ines@example.org", role="responder", actor=gail)
    client.force_login(gail)
    screen = client.get(team_url(page)).content.decode()
    assert "hugo" in screen and "gail" in screen
    assert "ines@example.org" in screen


def test_a_responder_may_not_open_the_team_screen(client, hugo, page):
    client.force_login(hugo)
    assert client.get(team_url(page)).status_code == 403


def test_another_pages_team_is_not_found(client, gail, other_page):
    client.force_login(gail)
    assert client.get(team_url(other_page)).status_code == 404
    assert client.get(reverse("admin:pages_page_team", args=["nothere"])).status_code == 404


def test_an_invitation_is_emailed_and_a_new_operator_joins_with_a_password(
    client, gail, page, smtp, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://beacon.example.com"
    client.force_login(gail)
    response = invite(client, page, "ines@example.org", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    link = link_in(smtp, "ines@example.org")
    assert link.startswith("https://beacon.example.com/invitations/")
    (message,) = smtp.recorder.messages_to("ines@example.org")
    assert message["Subject"] == "[Example Status] You are invited to the page's team"

    client.logout()
    form = client.get(path_of(link))
    assert "ines@example.org" in form.content.decode()
    joined = client.post(
        path_of(link),
        {
            "username": "ines",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert joined.status_code == 302
    ines = User.objects.get(username="ines")
    assert (
        ines.email == "ines@example.org"
        and ines.is_staff
        and ines.check_password("a long passphrase 42")
    )
    assert Membership.objects.get(user=ines).page == page
    # Signed in, on the page's rows.
    assert client.get("/admin/incidents/incident/").status_code == 200

    actions = list(AuditEntry.objects.filter(page=page).values_list("action", "actor_label"))
    assert ("invitation.sent", "gail") in actions
    assert ("invitation.accepted", "ines") in actions
    assert ("membership.added", "ines") in actions


def test_a_signed_in_operator_joins_another_page(client, gail, other_page, link_for_gail):
    link = link_for_gail
    client.force_login(gail)
    assert "Join Other" in client.get(path_of(link)).content.decode()
    assert client.post(path_of(link)).status_code == 302
    assert Membership.objects.get(user=gail, page=other_page).role == "admin"


def test_a_used_link_works_once(client, gail, page, smtp, django_capture_on_commit_callbacks):
    client.force_login(gail)
    invite(client, page, "ines@example.org", capture=django_capture_on_commit_callbacks)
    link = path_of(link_in(smtp, "ines@example.org"))
    client.logout()
    data = {
        "username": "ines",
        "password1": "a long passphrase 42",
        "password2": "a long passphrase 42",
    }
    client.post(link, data)
    client.logout()
    again = client.post(link, data | {"username": "ines2"})
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert not User.objects.filter(username="ines2").exists()


@pytest.mark.parametrize(
    "spoil, words",
    [
        (lambda token, inv: token[:-3] + "xyz", "not valid"),
        (lambda token, inv: "garbage", "not valid"),
        (lambda token, inv: signing.dumps({"i": 5}, salt="other"), "not valid"),
    ],
)
def test_a_tampered_link_is_refused(client, gail, page, spoil, words):
    invitation = team.invite(page=page, email="ines@example.org", role="admin", actor=gail)
    token = spoil(team.invitation_token(invitation), invitation)
    response = client.post(
        reverse("team_accept", args=[token]),
        {
            "username": "ines",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert response.status_code == 410
    assert words in response.content.decode()
    assert not User.objects.filter(username="ines").exists()


def test_an_expired_or_revoked_link_is_refused(client, gail, page):
    expired = team.invite(page=page, email="old@example.org", role="responder", actor=gail)
    Invitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client.get(reverse("team_accept", args=[team.invitation_token(expired)]))
    assert response.status_code == 410 and "expired" in response.content.decode()

    revoked = team.invite(page=page, email="ines@example.org", role="responder", actor=gail)
    client.force_login(gail)
    client.post(team_url(page), {"action": "revoke", "invitation": revoked.pk})
    client.logout()
    response = client.get(reverse("team_accept", args=[team.invitation_token(revoked)]))
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    assert AuditEntry.objects.filter(page=page, action="invitation.revoked").count() == 1


def test_a_new_invitation_replaces_the_pending_one(gail, page):
    first = team.invite(page=page, email="ines@example.org", role="responder", actor=gail)
    team.invite(page=page, email="INES@example.org", role="admin", actor=gail)
    with pytest.raises(team.InvitationRefused, match="withdrawn"):
        team.invitation_for_token(team.invitation_token(first))


def test_inviting_a_member_or_a_bad_address_is_a_form_error(client, gail, hugo, page):
    client.force_login(gail)
    response = client.post(
        team_url(page), {"action": "invite", "email": "hugo@example.com", "role": "admin"}
    )
    assert response.status_code == 200
    assert "already on this page" in response.content.decode()
    response = client.post(
        team_url(page), {"action": "invite", "email": "not an address", "role": "boss"}
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_changing_a_role_and_removing_a_member_are_audited_and_immediate(client, gail, hugo, page):
    membership = Membership.objects.get(user=hugo)
    client.force_login(gail)
    client.post(team_url(page), {"action": "role", "membership": membership.pk, "role": "admin"})
    assert Membership.objects.get(pk=membership.pk).role == "admin"
    client.post(team_url(page), {"action": "remove", "membership": membership.pk})
    assert not Membership.objects.filter(user=hugo).exists()
    entries = AuditEntry.objects.filter(page=page, object_type="membership").values_list(
        "action", flat=True
    )
    assert set(entries) >= {"membership.role_changed", "membership.removed"}

    client.force_login(hugo)
    assert client.get("/admin/incidents/incident/").status_code == 403


def test_the_last_page_admin_stays(client, gail, page):
    client.force_login(gail)
    membership = Membership.objects.get(user=gail)
    response = client.post(
        team_url(page), {"action": "remove", "membership": membership.pk}, follow=True
    )
    assert "at least one page admin" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()
    client.post(
        team_url(page), {"action": "role", "membership": membership.pk, "role": "responder"}
    )
    assert Membership.objects.get(pk=membership.pk).role == "admin"


def test_bad_posts_to_the_team_screen_change_nothing(client, gail, hugo, page):
    client.force_login(gail)
    for data in (
        {"action": "remove", "membership": "abc"},
        {"action": "role", "membership": "99999999", "role": "admin"},
        {"action": "role", "membership": str(Membership.objects.get(user=hugo).pk), "role": "boss"},
        {"action": "revoke", "invitation": "x" * 40},
        {"action": "launch"},
    ):
        assert client.post(team_url(page), data).status_code == 302
    assert Membership.objects.get(user=hugo).role == "responder"


def test_a_bad_password_on_the_accept_page_is_a_form_error(client, gail, page):
    invitation = team.invite(page=page, email="ines@example.org", role="responder", actor=gail)
    url = reverse("team_accept", args=[team.invitation_token(invitation)])
    response = client.post(url, {"username": "ines", "password1": "abc", "password2": "abd"})
    assert response.status_code == 200
    assert "The two passwords differ" in response.content.decode()
    response = client.post(
        url,
        {
            "username": "gail",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )
    assert "That username is taken" in response.content.decode()
    assert Invitation.objects.get(pk=invitation.pk).used_at is None


def test_with_single_sign_on_the_invited_address_gets_an_account_without_a_password(
    client, gail, page, settings
):
    settings.SIGNIN_OIDC_ISSUER = "https://idp.example.test"
    invitation = team.invite(page=page, email="ines@example.org", role="responder", actor=gail)
    url = reverse("team_accept", args=[team.invitation_token(invitation)])
    shown = client.get(url).content.decode()
    assert "Join with single sign-on" in shown
    assert "/admin/login/?next=%2Finvitations%2F" in shown
    response = client.post(url, {"sso": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    ines = User.objects.get(email="ines@example.org")
    assert ines.is_staff and not ines.has_usable_password()
    assert Membership.objects.get(user=ines).page == page
    # The link is used up.
    assert client.get(url).status_code == 410


def test_without_single_sign_on_the_sso_button_does_nothing(client, gail, page):
    invitation = team.invite(page=page, email="ines@example.org", role="responder", actor=gail)
    url = reverse("team_accept", args=[team.invitation_token(invitation)])
    assert "single sign-on" not in client.get(url).content.decode()
    response = client.post(url, {"sso": "1"})
    assert response.status_code == 200  # the password form, with its errors
    assert not User.objects.filter(email="ines@example.org").exists()


def test_a_link_opened_by_an_operator_with_another_address_joins_nobody(
    client, gail, hugo, other_page, link_for_gail
):
    link = link_for_gail
    client.force_login(hugo)  # the link was forwarded to him

    page_text = client.get(path_of(link)).content.decode()
    assert "This invitation is for gail@example.com" in page_text
    assert "hugo@example.com" in page_text
    response = client.post(path_of(link))

    assert response.status_code == 200
    assert "This invitation is for gail@example.com" in response.content.decode()
    assert not Membership.objects.filter(user=hugo, page=other_page).exists()
    assert Invitation.objects.get(email="gail@example.com").used_at is None

    client.force_login(gail)
    assert client.post(path_of(link)).status_code == 302
    assert Membership.objects.get(user=gail, page=other_page).role == "admin"
