from django.contrib import admin

from .models import Exchange, ExchangeSettings


@admin.register(ExchangeSettings)
class ExchangeSettingsAdmin(admin.ModelAdmin):
    list_display = ("supplier", "orders_mark", "updated_at")


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    list_display = ("supplier", "created_at", "kind", "mode", "filename", "result")
    list_filter = ("kind", "result")
