from django.contrib import admin

from .models import (
    Comment,
    Complaint,
    Document,
    Order,
    OrderEvent,
    OrderExchangeMark,
    OrderLine,
    OrderNumberCounter,
    Proposal,
    Quote,
    QuoteLine,
    RequestForQuotation,
    RfqLine,
)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product"]


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    raw_id_fields = ["actor", "organization", "api_key"]
    # The history is a record: operators read it, they do not rewrite it.
    readonly_fields = ["from_state", "to_state", "actor", "api_key", "organization", "via_api", "comment", "created_at"]
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "buyer", "supplier", "channel", "state", "total", "currency", "created_at"]
    list_filter = ["state", "channel"]
    search_fields = ["number", "buyer__name", "supplier__name"]
    raw_id_fields = ["buyer", "supplier", "quote", "created_by"]
    # States move only through cabinet.services.order_transition, never by editing the row.
    readonly_fields = ["number", "state", "total"]
    inlines = [OrderLineInline, OrderEventInline]
    date_hierarchy = "created_at"


class RfqLineInline(admin.TabularInline):
    model = RfqLine
    extra = 0
    raw_id_fields = ["product"]


@admin.register(RequestForQuotation)
class RequestForQuotationAdmin(admin.ModelAdmin):
    list_display = ["title", "buyer", "state", "deadline", "created_at"]
    list_filter = ["state"]
    search_fields = ["title", "buyer__name"]
    raw_id_fields = ["buyer", "created_by"]
    filter_horizontal = ["suppliers"]
    inlines = [RfqLineInline]


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    raw_id_fields = ["rfq_line"]


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["rfq", "supplier", "state", "total", "currency", "updated_at"]
    list_filter = ["state"]
    raw_id_fields = ["rfq", "supplier", "created_by"]
    inlines = [QuoteLineInline]


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["id", "order", "buyer", "supplier", "state", "resolution", "compensation", "created_at"]
    list_filter = ["state", "resolution"]
    raw_id_fields = ["order", "buyer", "supplier", "answered_by", "resolved_by", "opened_by", "opened_by_key"]
    filter_horizontal = ["lines"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["name", "supplier", "buyer", "kind", "price", "currency", "state", "created_at"]
    list_filter = ["state", "kind"]
    raw_id_fields = ["supplier", "buyer", "decided_by", "created_by", "catalog_product"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "content_type", "size", "buyer", "supplier", "created_at"]
    raw_id_fields = [
        "buyer",
        "supplier",
        "rfq",
        "quote",
        "order",
        "complaint",
        "uploaded_by",
        "api_key",
        "organization",
    ]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["organization", "order", "rfq", "created_at"]
    raw_id_fields = ["order", "rfq", "supplier", "author", "api_key", "organization"]


@admin.register(OrderNumberCounter)
class OrderNumberCounterAdmin(admin.ModelAdmin):
    list_display = ["buyer", "year", "last"]
    raw_id_fields = ["buyer"]


@admin.register(OrderExchangeMark)
class OrderExchangeMarkAdmin(admin.ModelAdmin):
    list_display = ("supplier", "mark", "queried_at")
