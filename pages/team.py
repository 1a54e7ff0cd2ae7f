"""Writes to a page's team: memberships and email invitations, each audited on its page.

An invitation link carries the invitation's id signed with SECRET_KEY (django.core.signing), so
it cannot be guessed or altered; the row says whether it is still good (not expired, used or
revoked), so it works once. The email goes out after the transaction commits.
"""

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from events.services import Actor, record_audit
from statuspage.mail import header_value

from .access import forget
from .models import Invitation, Membership, Page, Role

logger = logging.getLogger(__name__)

INVITATION_SALT = "beacon.pages.invitation"
INVITATION_DAYS = 7
EXPIRED = "This invitation has expired. Ask a page admin for a new one."


def _membership_values(membership: Membership) -> dict[str, Any]:
    return {"user": membership.user.get_username(), "role": membership.role}


@transaction.atomic
def set_membership(
    *, page: Page, user: Any, role: str, actor: Actor, invited_by: Any = None, source: str = ""
) -> Membership:
    """Give `user` this role on `page` (adding them to the team if needed); audited. `source`
    says who keeps it from now on: "" (a person, in Beacon) or a sign-in provider."""
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role."})
    membership = (
        Membership.objects.select_for_update().filter(page=page, user=user).select_related("user")
    ).first()
    if membership is not None and membership.role == role:
        if membership.source != source:
            membership.source = source
            membership.save(update_fields=["source"])
        return membership
    before = _membership_values(membership) if membership else None
    if membership is None:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    page=page, user=user, role=role, invited_by=invited_by, source=source
                )
        except IntegrityError:  # added meanwhile by another request
            membership = Membership.objects.select_for_update().get(page=page, user=user)
            before = _membership_values(membership)
            membership.role, membership.source = role, source
            membership.save(update_fields=["role", "source"])
    else:
        membership.role, membership.source = role, source
        membership.save(update_fields=["role", "source"])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget(user)
    record_audit(
        page=page,
        actor=actor,
        action="membership.role_changed" if before else "membership.added",
        obj=membership,
        before=before,
        after=_membership_values(membership),
    )
    return membership


def _last_admin(membership: Membership) -> bool:
    return (
        membership.role == Role.ADMIN
        and not Membership.objects.admins()
        .filter(page_id=membership.page_id)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def change_role(*, membership: Membership, role: str, actor: Actor) -> Membership:
    locked = Membership.objects.select_for_update().select_related("user", "page")
    current = locked.get(pk=membership.pk)
    if current.role == Role.ADMIN and role != Role.ADMIN and _last_admin(current):
        raise ValidationError("A page keeps at least one page admin.")
    return set_membership(page=current.page, user=current.user, role=role, actor=actor)


def pages_for(references: Iterable[str]) -> list[Page]:
    """The pages named by ids or host names; "*" is every page."""
    wanted = {r.strip().lower() for r in references}
    pages = list(Page.objects.order_by("pk"))
    if "*" in wanted:
        return pages
    return [
        p
        for p in pages
        if str(p.pk).lower() in wanted
        or p.domain in wanted
        or wanted & {d.lower() for d in (p.extra_domains or [])}
    ]


@transaction.atomic
def sync_provider_memberships(
    *, user: Any, grants: Mapping[Page, str], source: str, actor: Actor
) -> None:
    """The memberships a sign-in provider's groups give `user`, at each sign-in: added, or
    changed where the provider keeps them; taken away where its groups no longer give them.
    A membership given in Beacon is left as a person set it, and a page keeps its last admin."""
    current = {
        m.page_id: m
        for m in Membership.objects.select_for_update().filter(user=user).select_related("page")
    }
    for page, role in grants.items():
        held = current.get(page.pk)
        if held is not None and held.source != source:
            continue  # a person gave it: theirs to change
        if held is not None and held.role == role:
            continue
        if held is not None and _last_admin(held):
            logger.warning("%s keeps its last page admin %s despite %s", page, user, source)
            continue
        set_membership(page=page, user=user, role=role, actor=actor, source=source)
    granted = {page.pk for page in grants}
    for page_id, held in current.items():
        if held.source != source or page_id in granted:
            continue
        if _last_admin(held):
            logger.warning("%s keeps its last page admin %s despite %s", held.page, user, source)
            continue
        remove_member(membership=held, actor=actor)


@transaction.atomic
def remove_member(*, membership: Membership, actor: Actor) -> None:
    """Take the page away from this member; their next request no longer reaches it."""
    current = (
        Membership.objects.select_for_update()
        .select_related("user", "page")
        .filter(pk=membership.pk)
        .first()
    )
    if current is None:
        return
    if _last_admin(current):
        raise ValidationError("A page keeps at least one page admin.")
    before = _membership_values(current)
    record_audit(
        page=current.page, actor=actor, action="membership.removed", obj=current, before=before
    )
    current.delete()
    forget(current.user)


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk}, salt=INVITATION_SALT, compress=False)


def invitation_url(invitation: Invitation) -> str:
    path = reverse("team_accept", args=[invitation_token(invitation)])
    return settings.SITE_URL.rstrip("/") + path


class InvitationRefused(Exception):
    """Why an invitation link cannot be used, in words for the person who opened it."""


def invitation_for_token(token: str, *, now: Any = None) -> Invitation:
    """The invitation a link names, if it can still be accepted; else InvitationRefused."""
    now = now or timezone.now()
    try:
        data = signing.loads(
            token[:500], salt=INVITATION_SALT, max_age=timedelta(days=INVITATION_DAYS + 1)
        )
    except signing.SignatureExpired:
        raise InvitationRefused(EXPIRED) from None
    except signing.BadSignature:
        raise InvitationRefused(
            "This invitation link is not valid. Check that it was copied whole."
        ) from None
    invitation_id = data.get("i") if isinstance(data, dict) else None
    invitation = (
        Invitation.objects.select_related("page").filter(pk=str(invitation_id)).first()
        if isinstance(invitation_id, str)
        else None
    )
    if invitation is None or invitation.revoked_at is not None:
        raise InvitationRefused("This invitation has been withdrawn.")
    if invitation.used_at is not None:
        raise InvitationRefused("This invitation has already been used.")
    if invitation.expires_at <= now:
        raise InvitationRefused(EXPIRED)
    return invitation


def _send_invitation(invitation_id: str) -> None:
    invitation = Invitation.objects.select_related("page", "invited_by").get(pk=invitation_id)
    context = {
        "invitation": invitation,
        "page": invitation.page,
        "inviter": invitation.invited_by.get_username() if invitation.invited_by else "Beacon",
        "url": invitation_url(invitation),
        "role": invitation.get_role_display().lower(),
        "expires": invitation.expires_at,
    }
    message = EmailMessage(
        subject=header_value(f"[{invitation.page.name}] You are invited to the page's team"),
        body=render_to_string("pages/emails/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    try:
        mailers.default.send_messages([message])
    except Exception:
        logger.warning("could not email invitation %s", invitation_id, exc_info=True)


@transaction.atomic
def invite(*, page: Page, email: str, role: str, actor: Any) -> Invitation:
    """Invite `email` to the page's team with `role`; the link is emailed after commit."""
    email = email.strip()
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role."})
    if Membership.objects.filter(page=page, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already on this page's team."})
    now = timezone.now()
    # A new invitation replaces a pending one to the same address, whose link stops working.
    for pending in (
        Invitation.objects.select_for_update().pending(now).filter(page=page, email__iexact=email)
    ):
        _revoke(pending, actor=actor, now=now)
    invitation = Invitation(
        page=page,
        email=email,
        role=role,
        invited_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    record_audit(
        page=page,
        actor=actor,
        action="invitation.sent",
        obj=invitation,
        after={"email": email, "role": role},
    )
    transaction.on_commit(lambda: _send_invitation(invitation.pk))
    return invitation


def _revoke(invitation: Invitation, *, actor: Actor, now: Any) -> None:
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at"])
    record_audit(
        page=invitation.page,
        actor=actor,
        action="invitation.revoked",
        obj=invitation,
        before={"email": invitation.email, "role": invitation.role},
    )


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor: Actor) -> bool:
    current = Invitation.objects.select_for_update().select_related("page").get(pk=invitation.pk)
    if current.revoked_at or current.used_at:
        return False
    _revoke(current, actor=actor, now=timezone.now())
    return True


def refuse_other_account(invitation: Invitation, user: Any) -> None:
    """An invitation is for its address: a signed-in operator whose account has another one
    (a forwarded or leaked link) may not use it. An account without an address may."""
    address = (getattr(user, "email", "") or "").strip()
    if address and address.lower() != invitation.email.lower():
        raise ValidationError(
            f"This invitation is for {invitation.email}, and you are signed in as {address}. "
            f"Sign out and open the link again to join as {invitation.email}, or ask for an "
            "invitation to your own address."
        )


@transaction.atomic
def accept_invitation(
    *, token: str, user: Any = None, username: str = "", password: str = ""
) -> Membership:
    """Use an invitation: `user` (signed in) joins the page, or a new account is made with
    `username` and `password`. InvitationRefused when the link is no longer good."""
    invitation = invitation_for_token(token)
    # Locked so that two clicks at once make one membership and one account.
    invitation = Invitation.objects.select_for_update().select_related("page").get(pk=invitation.pk)
    if invitation.used_at or invitation.revoked_at:
        raise InvitationRefused("This invitation has already been used.")
    if user is None:
        User = get_user_model()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": "That username is taken; choose another."})
        user = User(username=username, email=invitation.email, is_staff=True)
        if password:
            user.set_password(password)
        else:  # signs in through single sign-on, by the invitation's address
            user.set_unusable_password()
        user.full_clean()
        user.save()
        actor: Actor = user
    else:
        refuse_other_account(invitation, user)
        actor = user
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    record_audit(
        page=invitation.page,
        actor=actor,
        action="invitation.accepted",
        obj=invitation,
        after={"email": invitation.email, "role": invitation.role, "user": user.get_username()},
    )
    existing = Membership.objects.filter(page=invitation.page, user=user).first()
    role = invitation.role
    if existing is not None and existing.role == Role.ADMIN:
        role = Role.ADMIN  # an invitation never lowers a role
    return set_membership(
        page=invitation.page, user=user, role=role, actor=actor, invited_by=invitation.invited_by
    )
