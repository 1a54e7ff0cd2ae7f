"""Operators' sign-ins, failed sign-ins, sign-outs and second factors in the admin's audit log,
as installation-wide entries (no page), never holding a password or a code."""

import json

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.test import Client

from events.models import AccountAction, AuditEntry
from pages.roles import assign_role
from tests.support.totp import totp_code, wrong_code

from .test_totp import ADMIN_INDEX, new_client, set_up_totp, sign_in_with_password

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def details(entry: AuditEntry) -> dict:
    return entry.after or {}


def everything_recorded() -> str:
    return json.dumps(
        list(AuditEntry.objects.values("actor_label", "object_repr", "before", "after"))
    )


def test_a_password_sign_in_is_recorded_for_the_installation_not_a_page(alice, mfa_on):
    client = new_client()

    sign_in_with_password(client, "alice", PASSWORD)

    (entry,) = entries(AccountAction.SIGN_IN)
    assert entry.page is None
    assert entry.actor == alice
    assert entry.object_repr == "alice"
    assert details(entry)["method"] == "password"
    assert details(entry)["address"].startswith("10.8.")


def test_a_wrong_password_is_recorded_without_the_password(alice, mfa_on):
    sign_in_with_password(new_client(), "alice", "tr0ub4dor&3 wrong")
    sign_in_with_password(new_client(), "nobody-here", "another wrong one")

    failed = entries(AccountAction.SIGN_IN_FAILED)
    assert [(e.object_repr, e.actor_label, e.object_id) for e in failed] == [
        ("alice", "anonymous", str(alice.pk)),
        ("nobody-here", "anonymous", ""),
    ]
    assert details(failed[0])["reason"] == "wrong username or password"
    assert "tr0ub4dor" not in everything_recorded()
    assert "another wrong one" not in everything_recorded()
    assert not entries(AccountAction.SIGN_IN)


def test_the_admins_own_password_form_records_sign_ins_and_failures(alice):
    Client().post("/admin/login/", {"username": "alice", "password": "nope nope"})
    client = Client()
    client.post("/admin/login/?next=/admin/", {"username": "alice", "password": PASSWORD})

    assert client.get(ADMIN_INDEX).status_code == 200
    assert [e.object_repr for e in entries(AccountAction.SIGN_IN_FAILED)] == ["alice"]
    assert [details(e)["method"] for e in entries(AccountAction.SIGN_IN)] == ["password"]


def test_a_non_staff_user_with_the_right_password_is_recorded_as_refused(mfa_on, django_user_model):
    carol = django_user_model.objects.create_user("carol", "c@example.com", "carols password")

    sign_in_with_password(new_client(), "carol", "carols password")

    (entry,) = entries(AccountAction.SIGN_IN_FAILED)
    assert entry.object_id == str(carol.pk)
    assert details(entry)["reason"] == "not staff"


def test_second_factors_added_used_and_removed_are_recorded(
    alice, mfa_on, django_capture_on_commit_callbacks
):
    client = new_client()
    sign_in_with_password(client, "alice", PASSWORD)
    # allauth announces a new authenticator once its transaction has committed.
    with django_capture_on_commit_callbacks(execute=True):
        secret, recovery_codes = set_up_totp(client)
    assert [e.after for e in entries(AccountAction.MFA_ENABLED)] == [{"type": "totp"}]

    with_code = new_client()
    sign_in_with_password(with_code, "alice", PASSWORD)
    with_code.post("/accounts/2fa/authenticate/", {"code": wrong_code(secret)})
    with_code.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert with_code.get(ADMIN_INDEX).status_code == 200
    wrong = entries(AccountAction.SIGN_IN_FAILED)[-1]
    assert details(wrong)["method"] == "second_factor"
    assert details(wrong)["reason"] == "wrong code"
    assert details(entries(AccountAction.SIGN_IN)[-1])["second_factor"] == "totp"

    with_recovery = new_client()
    sign_in_with_password(with_recovery, "alice", PASSWORD)
    with_recovery.post("/accounts/2fa/authenticate/", {"code": recovery_codes[0]})
    (used,) = entries(AccountAction.RECOVERY_CODE_USED)
    assert details(used)["codes_left"] == 9
    assert details(entries(AccountAction.SIGN_IN)[-1])["second_factor"] == "recovery_codes"

    asked = with_recovery.post("/accounts/2fa/totp/deactivate/", follow=True)
    assert asked.request["PATH_INFO"] == "/accounts/reauthenticate/"
    with_recovery.post("/accounts/reauthenticate/", {"password": PASSWORD})
    with_recovery.post("/accounts/2fa/totp/deactivate/")
    assert not Authenticator.objects.filter(user=alice, type="totp").exists()
    assert {details(e)["type"] for e in entries(AccountAction.MFA_DISABLED)} >= {"totp"}

    recorded = everything_recorded()
    assert secret not in recorded
    assert not any(code in recorded for code in recovery_codes)


def test_a_second_factor_removed_by_an_admin_is_recorded_with_who_removed_it(alice, bob, mfa_on):
    client = new_client()
    sign_in_with_password(client, "bob", "bobs long password 42")
    set_up_totp(client)
    totp = Authenticator.objects.get(user=bob, type="totp")
    admin = Client()
    admin.force_login(alice)

    admin.post(f"/admin/mfa/authenticator/{totp.pk}/delete/", {"post": "yes"})

    (entry,) = entries(AccountAction.MFA_DISABLED)
    assert (entry.actor, entry.object_repr) == (alice, "bob")
    assert entry.after == {"type": "totp", "removed_in": "admin"}


def test_a_sign_out_is_recorded(alice, mfa_on):
    client = new_client()
    sign_in_with_password(client, "alice", PASSWORD)

    client.post("/accounts/logout/")

    (entry,) = entries(AccountAction.SIGN_OUT)
    assert entry.actor == alice
    assert client.get(ADMIN_INDEX).status_code == 302


def test_the_admins_audit_log_lists_sign_ins_beside_the_pages_entries(alice, mfa_on):
    sign_in_with_password(new_client(), "alice", "wrong guess")
    client = new_client()
    sign_in_with_password(client, "alice", PASSWORD)

    reply = client.get("/admin/events/auditentry/?page__isnull=True")

    assert reply.status_code == 200
    assert "sign_in_failed" in reply.text
    assert "Whole installation" in reply.text
    assert reply.text.count("sign_in<") + reply.text.count(">sign_in<") >= 1
    entry = entries(AccountAction.SIGN_IN)[0]
    detail = client.get(f"/admin/events/auditentry/{entry.pk}/change/")
    assert detail.status_code == 200
    assert "password" in detail.text


def test_only_superusers_see_the_installations_entries(alice, mfa_on, page):
    sign_in_with_password(new_client(), "alice", PASSWORD)
    carol = User.objects.create_user("carol", "carol@example.com", "carols password")
    assign_role(carol, "admin")
    as_carol = Client()
    as_carol.force_login(carol)
    as_alice = Client()
    as_alice.force_login(alice)

    hidden = as_carol.get("/admin/events/auditentry/")
    shown = as_alice.get("/admin/events/auditentry/")

    assert hidden.status_code == shown.status_code == 200
    assert "Whole installation" not in hidden.text
    assert "Whole installation" in shown.text
    entry = AuditEntry.objects.filter(page=None).first()
    assert entry is not None
    # Like any row outside the operator's pages: as if it did not exist.
    assert as_carol.get(f"/admin/events/auditentry/{entry.pk}/change/").status_code == 404
    assert as_alice.get(f"/admin/events/auditentry/{entry.pk}/change/").status_code == 200
