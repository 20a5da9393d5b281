"""Hypothesis fuzzing of the importers (issue 10, "Fuzzing"): random bytes, CSV built from random
cells in the encodings and with the delimiters suppliers use, workbooks of random cells, JSON items
of random values, CommerceML with random text. Each one is read without an exception escaping and
without the importer's catch-all for its own bugs (``parse._unexpected``, which would turn a bug
into "could not be read"); every result either lists problems or holds rows fit to publish; through
the API the answer is 201, 202 or 400 with row errors and nothing stored, never a 500.

The suite runs the ``suite`` Hypothesis profile (few examples, derandomized); ``make fuzz`` runs
the ``deep`` one (tests/conftest.py).
"""

from __future__ import annotations

import io
import json
import xml.sax.saxutils
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pricing.importers import commerceml, parse, parse_price_file, parse_price_items
from pricing.importers.commerceml import CommerceMLError
from pricing.models import PriceList, PriceUpload
from tests.factories import api_key_for

pytestmark = pytest.mark.fuzz
COMMERCEML = Path(__file__).resolve().parents[1] / "data" / "commerceml"

HEADERS = {
    "sku": ["SKU", "Артикул", "Mã hàng", "Код", "sku"],
    "name": ["Name", "Наименование", "Tên hàng", "Товар"],
    "unit": ["Unit", "Ед. изм.", "Đơn vị", "ед"],
    "price": ["Price", "Цена", "Цена, руб.", "Đơn giá", "Price, USD"],
    "currency": ["Currency", "Валюта", "Tiền tệ"],
    "min_qty": ["Min qty", "Мин. партия", "Số lượng tối thiểu"],
    "valid_from": ["Valid from", "Действует с"],
    "lead_time_days": ["Lead time", "Срок поставки"],
    "other": ["Note", "Примечание", "", "x"],
}
NUMBERISH = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.floats().map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["1 234,50", "1.234,50", "1,234.50", "12,5", "0", "-1", "1e400", "₫ 15.000", "$1", "٣", "½"]),
)
CELL = st.one_of(
    st.text(max_size=40),
    NUMBERISH,
    st.sampled_from(["", " ", "=1+1", "+7", "@SUM(A1)", '"', '""', "\x00", "\r", "\n", "RUB", "руб", "VND", "шт"]),
)


@contextmanager
def no_swallowed_bug():
    """A bug the importer would catch and report as "could not be read" fails the test instead."""

    def reraise(exc):
        raise exc

    with mock.patch.object(parse, "_unexpected", reraise):
        yield


def _check(result) -> None:
    """Problems listed, or rows fit to publish (never a NUL stored). A file whose every line was
    skipped (headings, blank lines) gives neither: staging refuses it ("holds no price rows"), which
    the API properties below see."""
    assert all(error.message and error.row >= 0 for error in result.errors)
    if result.errors or result.error_count:
        return
    assert result.frame is not None
    for item in result.items:
        assert item.sku and "\x00" not in item.sku + item.name + item.unit
        assert isinstance(item.price, Decimal) and item.price.is_finite() and item.price >= 0
        assert item.min_qty.is_finite()


@st.composite
def csv_files(draw) -> tuple[bytes, str | None]:
    fields = draw(
        st.lists(st.sampled_from(list(HEADERS)), min_size=1, max_size=7, unique=True).map(
            lambda chosen: chosen if "sku" in chosen or len(chosen) > 3 else ["sku", "price", *chosen]
        )
    )
    header = [draw(st.sampled_from(HEADERS[f])) for f in fields]
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    rows = draw(
        st.lists(st.lists(CELL, min_size=0, max_size=len(fields) + 2), max_size=12),
    )
    title = draw(st.lists(st.text(max_size=20), max_size=2))  # lines above the table

    def line(cells):
        quoted = []
        for cell in cells:
            if any(c in cell for c in (delimiter, '"', "\n", "\r")) and draw(st.booleans()):
                cell = '"' + cell.replace('"', '""') + '"'
            quoted.append(cell)
        return delimiter.join(quoted)

    text = "\n".join([*title, line(header), *(line(r) for r in rows)]) + draw(st.sampled_from(["", "\n", "\r\n"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "cp1252", "utf-16"]))
    data = text.encode(encoding, errors=draw(st.sampled_from(["replace", "ignore"])))
    if draw(st.booleans()):  # one line in another encoding, or a few stray bytes
        data += draw(st.binary(max_size=16))
    forced = draw(st.sampled_from([None, None, None, "utf-8", "cp1251", "latin-1", "no-such-codec"]))
    return data, forced


@st.composite
def workbooks(draw) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active

    def append(row):  # what openpyxl can write (it refuses control characters)
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])

    for _ in range(draw(st.integers(0, 2))):
        append([draw(st.text(max_size=20))])
    fields = draw(st.lists(st.sampled_from(list(HEADERS)), min_size=1, max_size=6, unique=True))
    append([draw(st.sampled_from(HEADERS[f])) for f in fields])
    value = st.one_of(
        CELL,
        st.integers(min_value=-(10**15), max_value=10**15),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        st.dates(),
        st.booleans(),
        st.none(),
    )
    for row in draw(st.lists(st.lists(value, max_size=len(fields) + 1), max_size=10)):
        append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if draw(st.integers(0, 5)) == 0:  # a damaged workbook: cut short or a byte changed
        at = draw(st.integers(0, 10**6)) % len(data)  # the saved bytes vary (timestamps): no bound from them
        data = data[:at] if draw(st.booleans()) else data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    return data


JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | NUMBERISH,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
ITEM = st.one_of(
    st.fixed_dictionaries(
        {"sku": CELL, "name": CELL, "price": st.one_of(NUMBERISH, JSON_VALUE)},
        optional={
            "unit": CELL,
            "currency": CELL,
            "min_qty": st.one_of(NUMBERISH, JSON_VALUE),
            "valid_from": st.one_of(st.dates().map(str), CELL),
            "valid_to": st.one_of(st.dates().map(str), CELL),
            "lead_time_days": st.one_of(st.integers(), CELL),
            "surprise": JSON_VALUE,
        },
    ),
    JSON_VALUE,
)


@given(st.binary(max_size=2048))
def test_random_bytes_are_refused_or_read_never_raised(data):
    with no_swallowed_bug():
        _check(parse_price_file(data, "random.csv"))


@given(csv_files())
def test_csv_of_random_cells_is_refused_or_read(case):
    data, encoding = case
    with no_swallowed_bug():
        _check(parse_price_file(data, "list.csv", encoding=encoding, default_currency="RUB"))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(workbooks())
def test_workbooks_of_random_cells_are_refused_or_read(data):
    with no_swallowed_bug():
        _check(parse_price_file(data, "list.xlsx", default_currency="RUB"))


@given(st.lists(ITEM, max_size=12), st.sampled_from([None, "RUB", "usd", "₫", "nonsense"]))
def test_json_items_of_random_values_are_refused_or_read(items, currency):
    with no_swallowed_bug():
        _check(parse_price_items(items, default_currency=currency))


XML_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30)


@st.composite
def commerceml_pairs(draw) -> tuple[bytes, bytes]:
    """The sample exchange with random text in its fields, sometimes cut short or torn."""
    goods = (COMMERCEML / "import.xml").read_text(encoding="utf-8")
    offers = (COMMERCEML / "offers.xml").read_text(encoding="utf-8")
    for tag in ("Наименование", "Артикул", "ЦенаЗаЕдиницу", "Валюта", "Единица", "Ид", "ИдТипаЦены"):
        if draw(st.booleans()):
            value = xml.sax.saxutils.escape(draw(st.one_of(XML_TEXT, NUMBERISH)))
            goods = goods.replace(f"<{tag}>", f"<{tag}>{value}", 1)
            offers = offers.replace(f"<{tag}>", f"<{tag}>{value}", 1)
    data = [goods.encode(), offers.encode()]
    if draw(st.integers(0, 4)) == 0:
        which = draw(st.integers(0, 1))
        data[which] = data[which][: draw(st.integers(0, 10**6)) % (len(data[which]) + 1)]
    return data[0], data[1]


@given(st.one_of(commerceml_pairs(), st.tuples(st.binary(max_size=512), st.binary(max_size=512))))
def test_commerceml_is_refused_in_words_or_read(pair):
    goods_xml, offers_xml = pair
    try:
        goods = commerceml.read_goods(goods_xml)
        offers = commerceml.read_offers(offers_xml, goods, price_type=None)
    except CommerceMLError as error:
        assert str(error)
        return
    with no_swallowed_bug():
        _check(parse_price_items(offers.items, default_currency="RUB"))


# --- through the API: refused or published, never a 500 ----------------------------------------------


@pytest.fixture
def api_client(supplier):
    from rest_framework.test import APIClient

    _key, raw = api_key_for(supplier)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@contextmanager
def unthrottled():
    """Thousands of examples in a minute are no flood: the API key's rate limit stays out of it."""
    with mock.patch("marketplace.api.throttling.ApiKeyRateThrottle.allow_request", return_value=True):
        yield


def _uploaded_answer(client, **payload):
    uploads, versions = PriceUpload.objects.count(), PriceList.objects.count()
    if "file" in payload:
        response = client.post("/api/v1/price-lists/", payload, format="multipart")
    else:  # Python's encoder writes NaN and Infinity, as some clients do
        response = client.generic("POST", "/api/v1/price-lists/", json.dumps(payload), content_type="application/json")
    assert response.status_code in (201, 202, 400), response.content[:500]
    if response.status_code == 400:
        body = response.json()
        if "detail" in body:  # the body itself was refused (not JSON as the API takes it)
            assert body["detail"] and set(body) == {"detail"}
        else:
            assert body["errors"] and all(set(e) == {"row", "column", "message"} for e in body["errors"])
        assert (PriceUpload.objects.count(), PriceList.objects.count()) == (uploads, versions)  # nothing stored
    return response


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    st.one_of(csv_files().map(lambda case: case[0]), st.binary(max_size=1024), workbooks()),
    st.sampled_from(["list.csv", "list.xlsx", "list.txt"]),
    st.sampled_from(["", "RUB", "XYZ"]),
)
def test_the_api_refuses_or_publishes_random_files(api_client, data, name, currency):
    with no_swallowed_bug(), unthrottled():
        _uploaded_answer(api_client, file=SimpleUploadedFile(name, data), currency=currency)


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(ITEM, max_size=8), st.sampled_from(["RUB", "usd", ""]))
def test_the_api_refuses_or_publishes_random_items(api_client, items, currency):
    with no_swallowed_bug(), unthrottled():
        _uploaded_answer(api_client, items=items, currency=currency)


def test_a_workbook_whose_sheet_does_not_inflate_is_refused_in_words():
    """Found by the fuzzer: a damaged deflate stream raised zlib.error from the size check, which
    only the importer's catch-all for bugs stopped (a logged traceback, an "unexpected" error)."""
    import zipfile

    book = openpyxl.Workbook()
    book.active.append(["SKU", "Name", "Price"])
    for i in range(50):
        book.active.append([f"A-{i}", "Bolt", i])
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename.encode()) + len(sheet.extra)
    data[start : start + 8] = b"\xff" * 8  # the deflate stream's first bytes torn
    with no_swallowed_bug():
        result = parse_price_file(bytes(data), "torn.xlsx")
    assert result.errors and result.errors[0].row == 0 and "Excel" in result.errors[0].message


def test_the_fuzzers_can_fail():
    """The harness itself: a bug inside the importer surfaces instead of being reported politely."""

    def broken(*args, **kwargs):
        raise ZeroDivisionError

    with mock.patch("pricing.importers.validation.validate_chunk", broken), no_swallowed_bug():
        with pytest.raises(ZeroDivisionError):
            parse_price_file(b"sku,name,price\nA,B,1\n", "x.csv")
