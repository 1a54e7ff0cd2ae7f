from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from pages.admin_scope import PageScopedAdmin
from statuspage.admin_site import site

from .models import KEY_PREFIX, ApiKey
from .services import create_api_key, revoke_api_key


@admin.register(ApiKey, site=site)
class ApiKeyAdmin(PageScopedAdmin):
    list_display = ["name", "page", "shown_prefix", "created_at", "last_used_at", "revoked"]
    list_filter = ["page", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]
    readonly_fields = ["shown_prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        if obj is None:
            return ["page", "name"]
        return ["page", "name", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        if obj is None:
            return []
        return ["page", "name", *self.readonly_fields]

    @admin.display(description="key starts with")
    def shown_prefix(self, obj: ApiKey) -> str:
        return f"{KEY_PREFIX}{obj.prefix}_…"

    @admin.display(boolean=True, description="revoked")
    def revoked(self, obj: ApiKey) -> bool:
        return obj.is_revoked

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            return
        created, key = create_api_key(page=obj.page, name=obj.name, actor=request.user)
        for field in ("id", "prefix", "key_hash", "created_by", "created_at"):
            setattr(obj, field, getattr(created, field))
        obj._state.adding = False
        self.message_user(
            request,
            f"The new key is {key} — copy it now: it is not stored and will not be shown again.",
            messages.WARNING,
        )

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = sum(revoke_api_key(api_key=k, actor=request.user) for k in queryset)
        self.message_user(request, f"{revoked} key(s) revoked.", messages.SUCCESS)
