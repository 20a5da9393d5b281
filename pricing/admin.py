from django.contrib import admin

from .models import ColumnProfile, ExchangePriceTypes, PriceList, PriceUpload, Product, SkuMapping


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ["supplier", "version", "status", "audience", "rows", "currency", "channel", "published_at"]
    list_filter = ["status", "channel"]
    search_fields = ["supplier__name"]
    raw_id_fields = ["supplier", "audience", "uploaded_by", "api_key", "previous"]

    def has_change_permission(self, request, obj=None):
        return False  # published versions are immutable


@admin.register(PriceUpload)
class PriceUploadAdmin(admin.ModelAdmin):
    list_display = ["filename", "supplier", "status", "total_rows", "error_count", "created_at"]
    list_filter = ["status", "channel"]
    raw_id_fields = ["supplier", "uploaded_by", "api_key", "audience", "draft", "published"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "buyer", "category"]
    search_fields = ["sku", "name"]
    raw_id_fields = ["buyer", "category"]


@admin.register(SkuMapping)
class SkuMappingAdmin(admin.ModelAdmin):
    list_display = ["supplier_sku", "supplier", "buyer", "product", "source"]
    raw_id_fields = ["buyer", "supplier", "product", "created_by"]


admin.site.register(ColumnProfile)


@admin.register(ExchangePriceTypes)
class ExchangePriceTypesAdmin(admin.ModelAdmin):
    list_display = ("supplier", "price_types", "updated_at")
