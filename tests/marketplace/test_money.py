"""marketplace.money: which currencies exist, how amounts round, how they read in each language."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation

from marketplace.money import (
    clean_currency,
    currency_code,
    fits_currency,
    format_money,
    format_unit_price,
    minor_units,
    money,
    unit_price,
    validate_currency,
)

NBSP = "\xa0"


def test_it_rounds_money_half_up():
    assert money(Decimal("1.005"), "RUB") == Decimal("1.01") and money(Decimal("1.015"), "RUB") == Decimal("1.02")
    assert money(Decimal("2.5"), "RUB") == Decimal("2.50") and unit_price(Decimal("0.00005")) == Decimal("0.0001")


@pytest.mark.parametrize(
    ("currency", "value", "rounded"),
    [
        ("RUB", "61250.125", "61250.13"),
        ("USD", "0.005", "0.01"),
        ("VND", "15250000.5", "15250001"),  # the dong has no minor unit
        ("VND", "15250000.49", "15250000"),
        ("JPY", "2.5", "3"),  # neither has the yen
        ("", "1.005", "1.01"),  # unknown: two places
    ],
)
def test_it_rounds_to_the_currencys_minor_unit(currency, value, rounded):
    assert money(Decimal(value), currency) == Decimal(rounded)
    assert str(money(Decimal(value), currency)) == rounded


def test_it_knows_the_minor_units():
    assert (minor_units("RUB"), minor_units("USD"), minor_units("VND"), minor_units("JPY")) == (2, 2, 0, 0)
    assert fits_currency(Decimal("12.34"), "RUB") and not fits_currency(Decimal("12.345"), "RUB")
    assert fits_currency(Decimal("15250000"), "VND") and not fits_currency(Decimal("0.5"), "VND")


def test_it_rounds_unit_prices_to_four_places_whatever_the_currency():
    assert unit_price(Decimal("0.04505")) == Decimal("0.0451")
    assert unit_price(Decimal("12")) == Decimal("12.0000")


@pytest.mark.parametrize("code", ["RUB", "VND", "USD", "EUR", "JPY", "CNY"])
def test_it_accepts_iso_codes(code):
    validate_currency(code)
    assert currency_code(code.lower()) == code


@pytest.mark.parametrize("code", ["РУБ", "руб", "р.", "đ", "VNĐ", "XYZ", "RUR", "US", "USDT", "", None, 643, "rub"])
def test_it_refuses_anything_else_in_the_validator(code):
    with pytest.raises(ValidationError) as refused:
        validate_currency(code)
    assert refused.value.code == "invalid_currency"


def test_it_cleans_what_a_person_typed():
    assert clean_currency(" eur ") == "EUR" and currency_code(" eur ") == "EUR"
    assert currency_code("ЕВР") is None
    with pytest.raises(ValidationError, match="not a currency code"):
        clean_currency("РУБ")


@pytest.mark.parametrize(
    ("language", "rub", "vnd"),
    [
        ("en", f"RUB{NBSP}61,250.00", "₫15,250,000"),
        ("ru", f"61{NBSP}250,00{NBSP}₽", f"15{NBSP}250{NBSP}000{NBSP}₫"),
        ("vi", f"61.250,00{NBSP}RUB", f"15.250.000{NBSP}₫"),
    ],
)
def test_it_formats_amounts_for_each_language(language, rub, vnd):
    assert format_money(Decimal("61250"), "RUB", language) == rub
    assert format_money(Decimal("15250000"), "VND", language) == vnd


def test_it_formats_unit_prices_with_up_to_four_places():
    assert format_unit_price(Decimal("0.0450"), "RUB", "en") == f"RUB{NBSP}0.045"
    assert format_unit_price(Decimal("0.04505"), "RUB", "ru") == f"0,0451{NBSP}₽"
    assert format_unit_price(Decimal("12"), "RUB", "ru") == f"12,00{NBSP}₽"
    assert format_unit_price(Decimal("12.5"), "VND", "vi") == f"12,5{NBSP}₫"
    assert format_unit_price(None, "RUB") == "" and format_money(None, "RUB") == ""


def test_it_formats_in_templates_for_the_active_language():
    template = Template("{% load money %}{{ total|money:currency }} / {{ price|unit_price:currency }}")
    context = Context({"total": Decimal("61250"), "price": Decimal("0.0450"), "currency": "RUB"})
    with translation.override("ru"):
        assert template.render(context) == f"61{NBSP}250,00{NBSP}₽ / 0,045{NBSP}₽"
    with translation.override("en"):
        assert template.render(context) == f"RUB{NBSP}61,250.00 / RUB{NBSP}0.045"
