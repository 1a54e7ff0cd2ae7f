"""What superusers see of sign-in in the admin."""

import pytest
from allauth.mfa.models import Authenticator

pytestmark = pytest.mark.django_db


def test_a_superuser_can_add_the_sso_provider_in_the_admin(client, alice):
    client.force_login(alice)

    reply = client.get("/admin/socialaccount/socialapp/add/")

    assert reply.status_code == 200
    assert "openid_connect" in reply.text


def test_a_lost_authenticator_can_be_removed_but_its_secret_never_shows(client, alice):
    authenticator = Authenticator.objects.create(
        user=alice, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client.force_login(alice)

    page = client.get(f"/admin/mfa/authenticator/{authenticator.pk}/change/")
    assert page.status_code == 200
    assert "JBSWY3DPEHPK3PXP" not in page.text

    client.post(f"/admin/mfa/authenticator/{authenticator.pk}/delete/", {"post": "yes"})
    assert not Authenticator.objects.exists()
