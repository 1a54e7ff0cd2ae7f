"""The team screen of a page (admin) and the page that accepts an invitation.

Only the page's admins (and superusers) see and change its team. An operator who is not on the
page's team gets the same 404 as for a page that does not exist; a responder on it gets 403.
"""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from statuspage.admin_site import signin_routed, site

from . import team
from .access import has_page_perm, is_page_admin, role_on
from .admin_scope import CURRENT_PAGE_KEY
from .models import Invitation, Membership, Page, Role


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.RESPONDER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


def _page_for_team(request: HttpRequest, page_id: str) -> Page:
    page = Page.objects.filter(pk=page_id[:12]).first()
    user = request.user
    if page is None or not (user.is_superuser or role_on(user, page)):
        raise Http404("No page with that id.")
    if not is_page_admin(user, page):
        raise PermissionDenied
    return page


def team_view(request: HttpRequest, page_id: str) -> HttpResponse:
    page = _page_for_team(request, page_id)
    here = reverse("admin:pages_page_team", args=[page.pk])
    invite_form = InviteForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "invite":
                invite_form = InviteForm(request.POST)
                if invite_form.is_valid():
                    invitation = team.invite(
                        page=page, actor=request.user, **invite_form.cleaned_data
                    )
                    messages.success(request, f"Invitation sent to {invitation.email}.")
                    return redirect(here)
            elif action in ("role", "remove"):
                membership = Membership.objects.filter(
                    page=page, pk=_number(request.POST.get("membership"))
                ).first()
                if membership is None:
                    messages.error(request, "That person is no longer on this page's team.")
                    return redirect(here)
                if action == "remove":
                    team.remove_member(membership=membership, actor=request.user)
                    messages.success(request, f"{membership.user} is off the team.")
                    return redirect(here)
                role_form = RoleForm(request.POST)
                if not role_form.is_valid():
                    messages.error(request, "Choose a role: incident responder or page admin.")
                    return redirect(here)
                team.change_role(
                    membership=membership, role=role_form.cleaned_data["role"], actor=request.user
                )
                messages.success(request, f"{membership.user} is now {_role_label(role_form)}.")
                return redirect(here)
            elif action == "revoke":
                pending_one = Invitation.objects.filter(
                    page=page, pk=request.POST.get("invitation", "")[:12]
                ).first()
                if pending_one is not None and team.revoke_invitation(
                    invitation=pending_one, actor=request.user
                ):
                    messages.success(
                        request, f"The invitation to {pending_one.email} is withdrawn."
                    )
                else:
                    messages.error(request, "That invitation is no longer pending.")
                return redirect(here)
            else:
                messages.error(request, "That form action is not known; nothing was changed.")
                return redirect(here)
        except ValidationError as error:
            if action == "invite" and hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    invite_form.add_error(field if field in invite_form.fields else None, errors)
            else:
                for message in error.messages:
                    messages.error(request, message)
                return redirect(here)
    members = Membership.objects.filter(page=page).select_related("user", "invited_by")
    pending = (
        Invitation.objects.pending(timezone.now()).filter(page=page).select_related("invited_by")
    )
    context = {
        **site.each_context(request),
        "title": f"Team of {page.name}",
        "subtitle": None,
        "page": page,
        "members": members,
        "pending": pending,
        "invite_form": invite_form,
        "roles": Role.choices,
        "can_change_page": has_page_perm(request.user, "pages.change_page", page),
    }
    return TemplateResponse(request, "pages/admin/team.html", context)


def _number(raw: Any) -> int:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else 0


def _role_label(form: RoleForm) -> str:
    return Role(form.cleaned_data["role"]).label.lower()


class NewOperatorForm(forms.Form):
    username = forms.CharField(max_length=150)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        User = get_user_model()
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("That username is taken; choose another.")
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(
                    first, get_user_model()(username=data.get("username", ""))
                )
            except ValidationError as error:
                self.add_error("password1", error)
        return data


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    context = {**site.each_context(request), "title": "Invitation", "reason": reason}
    return TemplateResponse(request, "pages/invitation_refused.html", context, status=410)


@sensitive_post_parameters("password1", "password2")
def accept_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = team.invitation_for_token(token)
    except team.InvitationRefused as refused:
        return _refused(request, str(refused))
    user = request.user if request.user.is_authenticated else None
    form = NewOperatorForm()
    if request.method == "POST":
        try:
            if user is not None:
                membership = team.accept_invitation(token=token, user=user)
            elif "sso" in request.POST and signin_routed():
                # The account has no password: the provider signs its owner in by the
                # invitation's email address (statuspage/signin.py).
                team.accept_invitation(token=token, username=invitation.email)
                messages.success(
                    request,
                    f"Your account for {invitation.page.name} is ready: sign in with single "
                    "sign-on as " + invitation.email + ".",
                )
                return HttpResponseRedirect(reverse("account_login"))
            else:
                form = NewOperatorForm(request.POST)
                if not form.is_valid():
                    raise _FormInvalid
                membership = team.accept_invitation(
                    token=token,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        except team.InvitationRefused as refused:
            return _refused(request, str(refused))
        except ValidationError as error:
            # A signed-in operator's refusal (another account's address) is said below.
            if user is None:
                for field, errors in getattr(error, "message_dict", {None: error.messages}).items():
                    form.add_error(field if field in form.fields else None, errors)
        except _FormInvalid:
            pass
        else:
            request.session[CURRENT_PAGE_KEY] = membership.page_id
            messages.success(
                request,
                f"You are on the team of {membership.page.name} as "
                f"{membership.get_role_display().lower()}.",
            )
            return HttpResponseRedirect(reverse("admin:index"))
    wrong_account = ""
    if user is not None:
        try:
            team.refuse_other_account(invitation, user)
        except ValidationError as error:
            wrong_account = error.messages[0]
    login_url = reverse("admin:login") + "?" + urlencode({"next": request.path})
    context = {
        **site.each_context(request),
        "title": f"Join {invitation.page.name}",
        "invitation": invitation,
        "form": form,
        "signed_in": user,
        "wrong_account": wrong_account,
        "login_url": login_url,
        "sso": signin_routed(),
    }
    return TemplateResponse(request, "pages/invitation.html", context)


class _FormInvalid(Exception):
    pass
