from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    ApiKey,
    Category,
    Exchange,
    Invitation,
    Membership,
    Notification,
    Organization,
    Partnership,
    PartnershipEvent,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


class PartnershipEventInline(admin.TabularInline):
    model = PartnershipEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "team", "note", "created_at"]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["buyer", "supplier", "status", "active_since"]
    list_filter = ["status", "buyer"]
    search_fields = ["supplier__name", "buyer__name"]
    inlines = [PartnershipEventInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "buyer"]
    list_filter = ["buyer"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["supplier_name", "email", "buyer", "created_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "lookup", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["lookup", "key_hash", "created_at", "last_used_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "organization"]


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    list_display = ("supplier", "created_at", "kind", "mode", "filename", "result")
    list_filter = ("kind", "result")
