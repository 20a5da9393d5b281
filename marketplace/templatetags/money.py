"""Amounts for a reader, in the active language: ``{% load money %}``, then
``{{ order.total|money:order.currency }}`` (the currency's decimals: ``61 250,00 ₽`` in Russian,
``15.250.000 ₫`` in Vietnamese) and ``{{ line.price|unit_price:order.currency }}`` (up to four
places, as price lists quote them)."""

from django import template

from marketplace.money import format_money, format_unit_price

register = template.Library()


@register.filter(name="money")
def money_filter(value, currency: str = "") -> str:
    return format_money(value, currency or "")


@register.filter(name="unit_price")
def unit_price_filter(value, currency: str = "") -> str:
    return format_unit_price(value, currency or "")
