"""Every page in Russian and Vietnamese, walked the URL sweep's way, for a buyer and a supplier:
no English phrase may be left in what a reader sees (issue 12's check). And no amount anywhere
shows more decimals than its currency allows (four for a unit price).

"English phrase" is a heuristic: two or more English words in a row in a visible text node (or a
placeholder, title, aria-label), where the dictionary is every msgid of the active catalogs (ours,
Django's, allauth's: thousands of English words) and whatever the database holds (names of
organizations and products, titles, comments) is taken out first: it is data, not the site's words.
Upper-case codes (RUB, SKU, PDF) are not words. What is left and still English is a string that
was never marked for translation, or was marked and not translated."""

import re
from html.parser import HTMLParser

import pytest
from babel.numbers import get_currency_symbol, get_decimal_symbol
from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.translation import trans_real

from marketplace.money import UNIT_PRICE_PLACES, currencies, minor_units
from tests.pricing.factories import product, publish
from tests.test_url_sweep import PARAM, TENANT_APPS, fill, ids_by_table, routes, table_of
from tests.world import world  # noqa: F401

SKIP = ("admin/", "api/", "i18n/", "exchange/", "ws/", "favicon", "accounts/logout/", "static/", "media")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")  # any script: "những" is one Vietnamese word
# Phrases that are names, not the site's words, although they read as English: the column headers the
# importer recognizes (the upload page quotes them), 1C's menu in its English interface.
ALLOW = {"min qty", "valid from", "valid to", "lead time", "data exchange", "exchange with", "standard webhooks"}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
QUOTED = re.compile(r"“[^”]*”|«[^»]*»")  # a quoted button or menu name of another program
SEEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
HIDDEN_TAGS = {"script", "style", "code", "pre", "textarea", "template", "noscript"}


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_TAGS:
            self.hidden += 1
        for name, value in attrs:
            if name in SEEN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def english_dictionary(language: str) -> frozenset[str]:
    words = set()
    for msgid in trans_real.translation(language)._catalog.keys():
        text = msgid[1] if isinstance(msgid, tuple) else msgid
        words.update(w.lower() for w in WORD.findall(str(text)) if len(w) > 1 or w in "aI")
    return frozenset(words)


def database_text() -> list[str]:
    """Every text the world's rows hold, longest first: taken out of a page before it is read."""
    values = set()
    for model in apps.get_models():
        if model._meta.app_label not in TENANT_APPS:
            continue
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        for row in model.objects.values_list(*fields) if fields else []:
            values.update(str(v).strip() for v in row if v and len(str(v).strip()) > 1)
    return sorted(values, key=len, reverse=True)


def english_phrases(text: str, dictionary: frozenset[str], data: list[str]) -> list[str]:
    for value in data:
        if value in text:
            text = text.replace(value, " ¦ ")
    text = QUOTED.sub(" ¦ ", text)
    found, run, end = [], [], None
    for match in WORD.finditer(text):
        word = match.group()
        is_word = word.isascii() and word.lower() in dictionary and not (word.isupper() and len(word) > 1)
        if is_word and run and text[end : match.start()].strip() == "":
            run.append(word)
        else:
            if len(run) >= 2:
                found.append(" ".join(run))
            run = [word] if is_word else []
        end = match.end()
    if len(run) >= 2:
        found.append(" ".join(run))
    return [phrase for phrase in found if phrase.lower() not in ALLOW]


def pages(client) -> list[tuple[str, str]]:
    """(url, html) of every page this person may open: each route once, with the first id of its
    table (or slug of a partner) that answers 200."""
    from marketplace.models import Organization

    tables = ids_by_table()
    slugs = list(Organization.objects.values_list("slug", flat=True))
    found = []
    for route in routes(skip=SKIP):
        if route.startswith(SKIP) or "(?P<" in route:
            continue
        if not PARAM.search(route):
            values = [None]
        elif {m.group("conv") or "str" for m in PARAM.finditer(route)} <= {"int"}:
            table = table_of(client, route, tables)
            values = tables.get(table, [])[:6] if table else []
        else:
            values = slugs
        for value in values:
            url = fill(route, value)
            response = client.get(url)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                found.append((url, response.content.decode()))
                break
    return found


@pytest.mark.parametrize("person", ["alice", "sam"])
def test_it_leaves_no_english_phrase_on_any_page_in_russian_or_vietnamese(world, client, person):  # noqa: F811
    from marketplace.models import Exchange, ExchangeKind, ExchangeResult

    Exchange.objects.create(  # the Integrations page's 1C history: a table of times
        supplier=world.supplier, kind=ExchangeKind.CATALOG, mode="import", filename="offers.xml", items=3,
        result=ExchangeResult.SUCCESS,
    )  # fmt: skip
    client.force_login(getattr(world, person))
    data = database_text()
    walked, problems = 0, {}
    for language in ("ru", "vi"):
        client.cookies["django_language"] = language
        with translation.override(language):
            dictionary = english_dictionary(language)
            for url, html in pages(client):
                walked += 1
                parser = VisibleText()
                parser.feed(html)
                for part in parser.parts:
                    for phrase in english_phrases(part, dictionary, data):
                        problems.setdefault(f"{language} {url}", set()).add(phrase)
                    # one date format per language (marketplace/formats/): never ISO 8601 beside it
                    for iso in ISO_DATE.findall(part):
                        if not any(iso in value for value in data):
                            problems.setdefault(f"{language} {url}", set()).add(iso)
    assert walked >= 40, "the walk should reach most pages"
    assert not problems, "\n".join(f"{page}: {sorted(found)}" for page, found in sorted(problems.items()))


def test_the_heuristic_tells_english_from_data_and_codes():
    dictionary = frozenset({"price", "list", "upload", "the", "file", "steel", "works"})
    assert english_phrases("Upload the file", dictionary, []) == ["Upload the file"]
    assert english_phrases("Загрузить файл · RUB PDF", dictionary, []) == []
    assert english_phrases("Steel Works · прайс-лист", dictionary, ["Steel Works"]) == []
    assert english_phrases("Прайс-лист price", dictionary, []) == []
    assert english_phrases("нажмите “Upload the file”", dictionary, []) == []


# -- money: never more decimals than the currency has (four for a price per unit) ------------------

USUAL = ("RUB", "VND", "USD", "EUR", "CNY")


def amounts(text: str, language: str) -> list[tuple[str, str, str]]:
    """(what was read, currency, its decimals) of every amount written with its currency's code or sign."""
    symbols = {get_currency_symbol(code, locale=language): code for code in USUAL}
    symbols.update({code: code for code in currencies()})
    sign = "|".join(re.escape(s) for s in sorted(symbols, key=len, reverse=True))
    number = r"\d(?:\d|[\u00a0\u202f .,](?=\d))*"
    pattern = re.compile(
        rf"(?<![\w$])(?P<pre>{sign})\u00a0?(?P<n1>{number})|(?P<n2>{number})[\u00a0 ]?(?P<post>{sign})(?![\w$])"
    )
    decimal = get_decimal_symbol(locale=language)
    found = []
    for match in pattern.finditer(text):
        code = symbols[match.group("pre") or match.group("post")]
        digits = match.group("n1") or match.group("n2")
        found.append((match.group(), code, digits.rpartition(decimal)[2] if decimal in digits else ""))
    return found


def badly_rounded(text: str, language: str) -> list[str]:
    """Amounts with more decimals than their currency has, padded past it (``99,0000 ₽``; a price per
    unit may show up to four when it needs them: ``0,0883 ₽``), and any number with more than four
    decimals, or three or four ending in zero (``120.0000``), currency or not. Fewer is allowed: a rating rounds a volume to whole roubles."""
    bad = []
    found = amounts(text, language)
    for shown, code, frac in found:
        places = minor_units(code)
        if len(frac) > max(places, UNIT_PRICE_PLACES) or (len(frac) > places and frac[-1] == "0"):
            bad.append(shown)
    decimal = re.escape(get_decimal_symbol(locale=language))
    for shown, _code, _frac in found:
        text = text.replace(shown, " ")
    bad += [m.group() for m in re.finditer(rf"\d+{decimal}(?:\d{{5,}}|\d{{2,3}}0)(?!\d)", text)]
    return bad


def test_it_reads_amounts_in_each_language():
    assert amounts("RUB\u00a061,250.00", "en") == [("RUB\u00a061,250.00", "RUB", "00")]
    assert amounts("итого 61\u00a0250,00\u00a0₽", "ru") == [("61\u00a0250,00\u00a0₽", "RUB", "00")]
    assert amounts("15.250.000\u00a0₫", "vi") == [("15.250.000\u00a0₫", "VND", "")]
    assert badly_rounded("99,0000\u00a0₽ · 99,5\u00a0₽ · 99,00\u00a0₽ · 0,0883\u00a0₽", "ru") == ["99,0000\u00a0₽"]
    assert badly_rounded("15.250.000,00\u00a0₫ · 15.250.000\u00a0₫", "vi") == ["15.250.000,00\u00a0₫"]
    assert badly_rounded("From price 0.0883000000000000", "en") == ["0.0883000000000000"]
    assert badly_rounded("Price 120.0000 · 0.0450 · 0.0451 · 12.50", "en") == ["120.0000", "0.0450"]


@pytest.mark.parametrize("person", ["alice", "sam"])
def test_it_never_shows_money_with_more_decimals_than_its_currency(world, client, person):  # noqa: F811
    publish(
        world.supplier2,
        [("V-1", "Xi măng PCB40", "bao", "15250.5", 1), ("V-2", "Cát", "m3", "98000", 1)],
        currency="VND",
    )
    product(world.buyer, sku="V-1", name="Xi măng PCB40")
    client.force_login(getattr(world, person))
    checked, problems = 0, {}
    for language in ("en", "ru", "vi"):
        client.cookies["django_language"] = language
        for url, html in pages(client):
            parser = VisibleText()
            parser.feed(html)
            text = "\n".join(parser.parts)
            checked += len(amounts(text, language))
            if bad := badly_rounded(text, language):
                problems[f"{language} {url}"] = bad
    assert checked >= 20, "the pages should show amounts with their currency"
    assert not problems, "\n".join(f"{page}: {found}" for page, found in sorted(problems.items()))
