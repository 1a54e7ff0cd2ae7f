"""The first admin account `manage.py start` creates."""

import pytest
from django.contrib.auth.models import User

from ops.management.commands.start import Command

pytestmark = pytest.mark.django_db


def test_start_creates_an_admin_with_a_random_password_and_the_page_admin_role(monkeypatch, page):
    monkeypatch.delenv("BEACON_ADMIN_PASSWORD", raising=False)
    login = Command().ensure_admin()
    admin = User.objects.get(username="admin")
    password = login.rsplit("password ", 1)[1]
    assert admin.is_superuser and admin.check_password(password)
    assert len(password) >= 12
    assert list(admin.memberships.values_list("page", "role")) == [(page.pk, "admin")]


def test_start_makes_the_admin_before_any_page_exists(monkeypatch):
    monkeypatch.delenv("BEACON_ADMIN_PASSWORD", raising=False)
    Command().ensure_admin()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and not admin.memberships.exists()


def test_the_admin_password_can_be_chosen_and_is_not_printed(monkeypatch):
    monkeypatch.setenv("BEACON_ADMIN_PASSWORD", "a-long-chosen-password")
    login = Command().ensure_admin()
    assert "a-long-chosen-password" not in login
    assert User.objects.get(username="admin").check_password("a-long-chosen-password")


def test_an_existing_superuser_is_left_alone(alice):
    login = Command().ensure_admin()
    assert "alice" in login and "exists" in login
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]
    alice.refresh_from_db()
    assert alice.check_password("correct horse battery")
