"""Operators read auctions in the admin; every change goes through ``auctions.services``."""

from django.contrib import admin

from .models import Auction, Bid, Invitation, LogEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InvitationInline(admin.TabularInline):
    model = Invitation
    fields = ["supplier", "rank", "best_amount", "best_received_at", "bids_count", "invited_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Auction)
class AuctionAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "buyer", "state", "starts_at", "ends_at", "bids_count", "best_price", "extensions"]
    list_filter = ["state", "visibility", "soft_close_trigger"]
    search_fields = ["title", "buyer__name", "buyer__slug"]
    list_select_related = ["buyer"]
    inlines = [InvitationInline]


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ["id", "auction", "supplier", "amount", "received_at", "rank_after", "client_id"]
    list_select_related = ["auction", "supplier"]
    search_fields = ["auction__title", "supplier__slug", "client_id"]


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ["auction", "seq", "at", "kind", "hash"]
    list_filter = ["kind"]
    list_select_related = ["auction"]
