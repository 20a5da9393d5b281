"""Tests for pricing.importers: supplier price-list files -> validated rows.

Plain functions, no database: they also run without Django settings
(``pytest -p no:django``)."""

import datetime as dt
import io
import random
from decimal import Decimal

import numpy as np
import openpyxl
import pytest

from pricing import importers
from pricing.importers import (
    CANONICAL_FIELDS,
    HEADER_SYNONYMS,
    ParseResult,
    PriceRow,
    RowError,
    currency_from_text,
    iter_price_chunks,
    normalize_header,
    parse_price_file,
    parse_price_items,
)
from tests.pricing.samples import SAMPLES


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def by_sku(result: ParseResult) -> dict[str, PriceRow]:
    return {item.sku: item for item in result.items}


def error_map(result: ParseResult) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for error in result.errors:
        out.setdefault(error.row, []).append(error.column)
    return out


def only_error(result: ParseResult) -> RowError:
    assert len(result.errors) == 1, result.errors
    assert result.items == []
    error = result.errors[0]
    assert error.row == 0
    assert error.column == ""
    assert error.message
    return error


def xlsx_bytes(rows: list[list], *, title_rows: int = 0, sheet_title: str = "Prices") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title
    for i in range(title_rows):
        ws.append(["Price list" if i == 0 else None])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------
# The sample files, exactly as the README describes them
# --------------------------------------------------------------------------


def test_it_reads_the_russian_cp1251_sample():
    result = parse_price_file(sample("pricelist_ru_cp1251.csv"), "pricelist_ru_cp1251.csv")

    assert result.errors == []
    assert result.encoding == "cp1251"
    assert result.delimiter == ";"
    assert len(result.items) == 8
    assert result.total_rows == 8
    assert [item.row for item in result.items] == list(range(2, 10))
    rows = by_sku(result)
    rebar = rows["АРМ-12-А500"]
    assert rebar.price == Decimal("61250.00")
    assert str(rebar.price) == "61250.00"
    assert rebar.currency == "RUB"
    assert rebar.min_qty == Decimal("1")
    assert rows["ЦМ-400-50"].price == Decimal("412.50")
    assert rows["ЦМ-400-50"].min_qty == Decimal("10")
    assert rows["ПЕС-МЫТ"].name == "Песок мытый; фракция 0-5"  # quoted ";"
    assert rows["ГКЛ-12,5"].name == 'Гипсокартон "Кнауф" 12,5 мм'  # doubled quotes
    assert rows["ПЕС-МЫТ"].price == Decimal("1350.00")
    assert rows["ПЕС-МЫТ"].unit == "куб. м"
    assert result.mapping == {
        "sku": "Артикул",
        "name": "Наименование",
        "unit": "Ед. изм.",
        "price": "Цена, руб.",
        "min_qty": "Мин. партия",
    }
    assert result.headers == ["Артикул", "Наименование", "Ед. изм.", "Цена, руб.", "Мин. партия"]


def test_it_reads_the_vietnamese_utf8_bom_sample():
    result = parse_price_file(sample("pricelist_vi_utf8bom.csv"), "pricelist_vi_utf8bom.csv")

    assert result.errors == []
    assert result.encoding == "utf-8-sig"
    assert result.delimiter == ","
    assert len(result.items) == 6
    rows = by_sku(result)
    assert rows["THEP-D10"].price == Decimal("15250000")
    assert rows["THEP-D10"].currency == "VND"
    assert rows["XM-PCB40"].price == Decimal("92000")  # "92.000": dots group thousands here
    assert rows["GACH-4L"].price == Decimal("1250")
    assert rows["GACH-4L"].min_qty == Decimal("1000")
    assert rows["XM-PCB40"].name == "Xi măng PCB40 Hà Tiên, bao 50kg"
    assert result.mapping["price"] == "Đơn giá (VND)"
    assert result.mapping["min_qty"] == "Số lượng tối thiểu"
    assert result.headers[0] == "Mã hàng"  # no BOM left in the first header


def test_it_reads_the_english_xlsx_with_quantity_breaks():
    result = parse_price_file(sample("pricelist_en_quantity_breaks.xlsx"), "pricelist_en_quantity_breaks.xlsx")

    assert result.errors == []
    assert result.encoding is None
    assert result.delimiter is None
    assert len(result.items) == 6
    assert [item.row for item in result.items] == list(range(2, 8))  # header row = 1 despite the title
    bolts = sorted((i for i in result.items if i.sku == "BOLT-M8x40"), key=lambda i: i.min_qty)
    assert [(b.price, b.min_qty, b.currency) for b in bolts] == [
        (Decimal("0.18"), Decimal("1000"), "USD"),
        (Decimal("0.15"), Decimal("10000"), "USD"),
    ]
    assert bolts[0].valid_from == dt.date(2026, 10, 1)
    assert bolts[0].valid_to == dt.date(2026, 12, 31)
    assert by_sku(result)["TAPE-50"].price == Decimal("4.4")
    assert result.mapping["price"] == "Unit price"
    assert result.mapping["name"] == "Description"


def test_it_rejects_every_mistake_in_the_broken_sample():
    result = parse_price_file(sample("pricelist_broken.csv"), "pricelist_broken.csv")

    assert error_map(result) == {
        3: ["sku"],  # no SKU
        4: ["price"],  # negative price
        5: ["price"],  # text price
        6: ["sku"],  # same SKU and min qty as row 2
        7: ["min_qty"],  # zero minimum quantity
        8: ["price"],  # absurd price
        9: ["price"],  # ambiguous "1,234"
        10: [""],  # too few columns
    }
    errors = {e.row: e for e in result.errors}
    assert errors[4].value == "-3.00"
    assert errors[5].value == "call us"
    assert "2" in errors[6].message  # names the earlier row
    assert errors[6].value == "OK-1"
    assert errors[7].value == "0"
    assert errors[8].value == "1e30"
    assert errors[9].value == "1,234"
    assert "1234" in errors[9].message and "1.234" in errors[9].message
    assert result.error_count == 8
    assert result.total_rows == 9
    # the good row is kept for the preview; storing is refused elsewhere
    assert [item.row for item in result.items] == [2]
    assert result.items[0].price == Decimal("10.00")


def test_it_gives_messages_in_english_without_settings():
    result = parse_price_file(sample("pricelist_broken.csv"), "x.csv")
    messages = {e.row: e.message for e in result.errors}
    assert messages[6] == "Same SKU and minimum quantity as row 2."
    assert "too few columns" in messages[10].lower()
    assert importers._msg("{label} is missing.", label="Price") == "Price is missing."


# --------------------------------------------------------------------------
# Encodings and delimiters
# --------------------------------------------------------------------------


def test_it_detects_cp1252():
    text = "sku;name;price\r\nA-1;Crème brûlée façon Müller;12,50\r\nA-2;Café au lait, größe L;3,20\r\n"
    result = parse_price_file(text.encode("cp1252"), "fr.csv")
    assert result.encoding == "cp1252"
    assert result.errors == []
    assert by_sku(result)["A-1"].name == "Crème brûlée façon Müller"
    assert by_sku(result)["A-2"].price == Decimal("3.20")


def test_it_detects_cp1251_and_utf8_without_bom():
    text = "Артикул;Наименование;Цена\nA-1;Болт оцинкованный;10,5\n"
    cp = parse_price_file(text.encode("cp1251"), "ru.csv")
    utf = parse_price_file(text.encode("utf-8"), "ru.csv")
    assert cp.encoding == "cp1251"
    assert utf.encoding == "utf-8"
    assert cp.items[0].name == utf.items[0].name == "Болт оцинкованный"


def test_it_detects_utf8_when_the_first_megabyte_is_ascii():
    rows = "".join(f"A-{i},Plain name {i},1.50\n" for i in range(40000))
    text = "sku,name,price\n" + rows + "Z-1,Thép cuộn,2.50\n"
    data = text.encode("utf-8")
    assert len(data) > 1024 * 1024
    result = parse_price_file(data, "big.csv")
    assert result.encoding == "utf-8"
    assert result.errors == []
    assert by_sku(result)["Z-1"].name == "Thép cuộn"


def test_it_reads_utf16_exports():
    text = "SKU\tName\tPrice\r\nA-1\tBolt\t1.25\r\n"
    result = parse_price_file(text.encode("utf-16"), "unicode.txt")
    assert result.encoding == "utf-16"
    assert result.delimiter == "\t"
    assert by_sku(result)["A-1"].price == Decimal("1.25")


def test_it_uses_the_encoding_override():
    data = sample("pricelist_ru_cp1251.csv")
    forced = parse_price_file(data, "ru.csv", encoding="cp1252")
    assert forced.encoding == "cp1252"
    assert forced.items == []  # headers are mojibake: nothing recognised
    assert len(forced.errors) == 1 and forced.errors[0].row == 0
    explicit = parse_price_file(data, "ru.csv", encoding="cp1251")
    assert explicit.encoding == "cp1251"
    assert len(explicit.items) == 8


def test_it_reports_an_unknown_encoding_override():
    only_error(parse_price_file(b"sku,name,price\nA,B,1\n", "a.csv", encoding="no-such-codec"))


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("sku,name,price\nA,Bolt,1.5\n", ","),
        ("sku;name;price\nA;Bolt;1,5\n", ";"),
        ("sku\tname\tprice\nA\tBolt\t1.5\n", "\t"),
        ("sku|name|price\nA|Bolt|1.5\n", "|"),
    ],
)
def test_it_detects_the_delimiter(text, delimiter):
    result = parse_price_file(text.encode(), "a.csv")
    assert result.delimiter == delimiter
    assert result.errors == []
    assert result.items[0].price == Decimal("1.5")


def test_it_uses_the_delimiter_override():
    data = b'sku;name;price\nA;"Bolt, zinc";1.5\n'
    assert parse_price_file(data, "a.csv").items[0].name == "Bolt, zinc"
    forced = parse_price_file(data, "a.csv", delimiter=",")
    assert forced.delimiter == ","
    assert forced.items == []
    assert forced.errors[0].row == 0  # the headers no longer make sense


def test_it_keeps_quoted_delimiters_newlines_and_doubled_quotes():
    data = b'sku,name,price\nA-1,"Bolt, ""heavy""\nline two",1.50\nA-2,Nut,2\n'
    result = parse_price_file(data, "a.csv")
    assert result.errors == []
    assert by_sku(result)["A-1"].name == 'Bolt, "heavy"\nline two'
    assert [i.row for i in result.items] == [2, 3]  # a record is one row even over two lines


def test_it_finds_the_csv_header_below_title_lines():
    data = "Прайс-лист ООО Ромашка\n\nАртикул;Наименование;Цена\nA-1;Болт;10,00\n".encode()
    result = parse_price_file(data, "a.csv")
    assert result.errors == []
    assert result.items[0].row == 2


# --------------------------------------------------------------------------
# Header mapping
# --------------------------------------------------------------------------


def test_it_normalizes_headers_and_currency_hints():
    assert normalize_header("Цена, руб.") == ("цена", "RUB")
    assert normalize_header("Đơn giá (VND)") == ("đơn giá", "VND")
    assert normalize_header("  Lead time (days) ") == ("lead time", None)
    assert normalize_header("Ед.изм.") == normalize_header("Ед. изм.")
    assert normalize_header("Price, USD") == ("price", "USD")
    assert normalize_header("Min qty (pcs)") == ("min qty", None)


def test_it_knows_the_synonyms_for_every_field():
    assert set(HEADER_SYNONYMS) == set(CANONICAL_FIELDS)
    expected = {
        "sku": [
            "SKU",
            "Article",
            "Art.",
            "Item code",
            "Code",
            "Артикул",
            "Код",
            "Код товара",
            "Mã hàng",
            "Mã SP",
            "Mã",
        ],
        "name": ["Name", "Description", "Product", "Item", "Наименование", "Название", "Товар", "Tên hàng"],
        "unit": ["Unit", "UoM", "Ед. изм.", "Единица", "Ед.", "Đơn vị tính", "ĐVT", "Đơn vị"],
        "price": ["Price", "Unit price", "Цена", "Стоимость", "Đơn giá", "Giá"],
        "currency": ["Currency", "Валюта", "Tiền tệ"],
        "min_qty": ["Min qty", "Minimum quantity", "MOQ", "Min. order", "Мин. партия", "Минимальная партия"],
        "valid_from": ["Valid from", "Действует с", "Hiệu lực từ"],
        "valid_to": ["Valid to", "Valid until", "Действует по", "Hiệu lực đến"],
        "lead_time_days": ["Lead time", "Lead time (days)", "Срок поставки", "Thời gian giao hàng"],
    }
    for field, headers in expected.items():
        for header in headers:
            assert normalize_header(header)[0] in HEADER_SYNONYMS[field], (field, header)
    assert normalize_header("Số lượng tối thiểu")[0] in HEADER_SYNONYMS["min_qty"]
    assert normalize_header("SL tối thiểu")[0] in HEADER_SYNONYMS["min_qty"]
    assert normalize_header("Tên sản phẩm")[0] in HEADER_SYNONYMS["name"]


def test_it_maps_all_columns_of_a_full_header():
    data = (
        b"Item code;Product;UoM;Price;Currency;MOQ;Valid from;Valid until;Lead time (days)\n"
        b"A-1;Bolt;pcs;1,50;EUR;100;01.10.2026;31/12/2026;5\n"
    )
    result = parse_price_file(data, "a.csv")
    assert result.errors == []
    assert list(result.mapping) == list(CANONICAL_FIELDS)
    item = result.items[0]
    assert item == PriceRow(
        row=2,
        sku="A-1",
        name="Bolt",
        unit="pcs",
        price=Decimal("1.50"),
        currency="EUR",
        min_qty=Decimal("100"),
        valid_from=dt.date(2026, 10, 1),
        valid_to=dt.date(2026, 12, 31),
        lead_time_days=5,
    )


def test_it_uses_the_mapping_override():
    data = b"Col A,Col B,Col C,Col D\nA-1,Bolt,pcs,2.50\n"
    assert parse_price_file(data, "a.csv").items == []
    mapping = {"sku": "Col A", "name": "Col B", "unit": "Col C", "price": "Col D"}
    result = parse_price_file(data, "a.csv", mapping=mapping)
    assert result.errors == []
    assert result.mapping == mapping
    assert result.items[0].price == Decimal("2.50")
    assert result.items[0].unit == "pcs"


def test_it_lets_the_mapping_override_beat_the_synonyms():
    data = b"Code,Article,Name,Price\nINTERNAL-1,SUP-1,Bolt,1\n"
    assert parse_price_file(data, "a.csv").items[0].sku == "INTERNAL-1"
    result = parse_price_file(data, "a.csv", mapping={"sku": "Article"})
    assert result.items[0].sku == "SUP-1"
    assert result.mapping["sku"] == "Article"


def test_it_reports_a_mapping_to_a_missing_header():
    data = b"sku,name,price\nA,B,1\n"
    error = only_error(parse_price_file(data, "a.csv", mapping={"price": "Cost"}))
    assert "Cost" in error.message


def test_it_names_the_missing_required_column_and_the_headers_found():
    data = "Артикул;Наименование;Ед. изм.\nA-1;Болт;шт\n".encode()
    error = only_error(parse_price_file(data, "a.csv"))
    assert "Price" in error.message
    assert "Артикул" in error.message and "Ед. изм." in error.message


def test_it_uses_the_currency_hint_then_the_default_currency():
    with_hint = parse_price_file("sku;name;Цена, руб.\nA;B;1\n".encode(), "a.csv", default_currency="USD")
    assert with_hint.items[0].currency == "RUB"
    without = parse_price_file(b"sku;name;price\nA;B;1\n", "a.csv", default_currency="usd")
    assert without.items[0].currency == "USD"
    nothing = parse_price_file(b"sku;name;price\nA;B;1\n", "a.csv")
    assert nothing.items[0].currency is None
    column = parse_price_file(b"sku;name;price;currency\nA;B;1;\nC;D;2;$\nE;F;3;XYZ\n", "a.csv", default_currency="EUR")
    assert [i.currency for i in column.items] == ["EUR", "USD"]
    assert error_map(column) == {4: ["currency"]}


@pytest.mark.parametrize(
    ("text", "code"),
    [("руб", "RUB"), ("р.", "RUB"), (" Руб. ", "RUB"), ("đ", "VND"), ("VNĐ", "VND"), ("usd", "USD"), ("€", "EUR")],
)
def test_it_reads_currency_aliases_as_iso_codes(text, code):
    assert currency_from_text(text) == code


@pytest.mark.parametrize("text", ["", "  ", "XYZ", "рубли-доллары"])
def test_it_knows_no_currency_in_other_text(text):
    assert currency_from_text(text) is None


# --------------------------------------------------------------------------
# Bad files: one clear error, no items, never an exception
# --------------------------------------------------------------------------


def test_it_rejects_a_zero_byte_file():
    only_error(parse_price_file(b"", "empty.csv"))


def test_it_rejects_a_blank_file():
    only_error(parse_price_file(b"\r\n  \n\n", "blank.csv"))


def test_it_rejects_a_header_without_rows():
    only_error(parse_price_file(b"sku,name,price\n\n", "header.csv"))


def test_it_rejects_a_binary_file_renamed_csv():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4
    only_error(parse_price_file(png, "photo.csv"))


def test_it_rejects_undecodable_text_even_without_nul_bytes():
    garbage = bytes(random.Random(1).randrange(0x80, 0x100) for _ in range(4000))
    result = parse_price_file(garbage, "x.csv")
    assert result.items == []
    assert result.errors and result.errors[0].row == 0


def test_it_rejects_an_old_xls_file():
    only_error(parse_price_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "old.xls"))


def test_it_rejects_an_xlsx_without_a_header_row(tmp_path):
    data = xlsx_bytes([[1, 2, 3], [4, 5, 6], ["hello", None, 7]])
    error = only_error(parse_price_file(data, "numbers.xlsx"))
    assert "30" in error.message


def test_it_rejects_a_broken_xlsx():
    only_error(parse_price_file(b"PK\x03\x04" + b"not really a zip" * 10, "broken.xlsx"))


def test_it_rejects_a_file_over_the_size_limit():
    error = only_error(parse_price_file(sample("pricelist_broken.csv"), "a.csv", max_bytes=100))
    assert "328 B" in error.message and "100 B" in error.message
    assert len(parse_price_file(sample("pricelist_broken.csv"), "a.csv", max_bytes=328).errors) == 8


def test_it_rejects_a_file_over_the_size_limit_in_chunks(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(sample("pricelist_broken.csv"))
    results = list(iter_price_chunks(path, "a.csv", max_bytes=100))
    assert len(results) == 1
    only_error(results[0])


@pytest.mark.parametrize("seed", range(8))
def test_it_never_raises_on_random_bytes(seed):
    rng = random.Random(seed)
    prefix = rng.choice([b"", b"PK\x03\x04", b"sku,name,price\n", b"\xef\xbb\xbf", b"\xff\xfe"])
    data = prefix + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    result = parse_price_file(data, "random.csv")
    assert isinstance(result, ParseResult)
    assert result.errors or result.items is not None


def test_it_never_raises_on_messy_text():
    rng = random.Random(7)
    alphabet = [*list('abc,;"\n\r\t 0123456789.,-=€₽đ'), "\xa0", "Цена", "sku", "price", "name"]
    for _ in range(30):
        text = "sku,name,price\n" + "".join(rng.choice(alphabet) for _ in range(300))
        assert isinstance(parse_price_file(text.encode(), "messy.csv"), ParseResult)


# --------------------------------------------------------------------------
# Formulas
# --------------------------------------------------------------------------


def test_it_rejects_formula_cells_in_xlsx():
    data = xlsx_bytes(
        [
            ["SKU", "Name", "Price", "Min qty"],
            ["A-1", "Bolt", 1.25, 1],
            ["A-2", "Nut", "=B2*2", 1],
            ["A-3", "Washer", 0.5, "=1+1"],
        ],
        title_rows=2,
    )
    result = parse_price_file(data, "formulas.xlsx")
    assert error_map(result) == {3: ["price"], 4: ["min_qty"]}
    assert {e.row: e.value for e in result.errors} == {3: "=B2*2", 4: "=1+1"}
    assert [i.sku for i in result.items] == ["A-1"]


def test_it_rejects_cells_starting_with_equals_in_csv():
    data = b'sku,name,price\nA-1,"=HYPERLINK(""http://x"")",1\n=CMD(),Nut,2\nA-3,Washer,=1+1\nA-4,Ok,3\n'
    result = parse_price_file(data, "inject.csv")
    assert error_map(result) == {2: ["name"], 3: ["sku"], 4: ["price"]}
    assert [i.sku for i in result.items] == ["A-4"]


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1 234,50", "1234.50"),  # space thousands, decimal comma
        ("1\u00a0234,50", "1234.50"),  # no-break space
        ("1\u202f234,50", "1234.50"),  # narrow no-break space
        ("1.234.567,89", "1234567.89"),  # dot thousands
        ("61 250,00 руб.", "61250.00"),
        ("₽ 5,5", "5.5"),
        ("0,1825", "0.1825"),
    ],
)
def test_it_reads_decimal_comma_numbers(cell, expected):
    data = f'sku;name;price\nREF;Reference;12,50\nA;B;"{cell}"\n'.encode()
    result = parse_price_file(data, "a.csv")
    assert result.errors == []
    assert str(by_sku(result)["A"].price) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1,234.50", "1234.50"),  # comma thousands, decimal point
        ("1,234,567.89", "1234567.89"),
        ("1'234.50", "1234.50"),  # Swiss apostrophe
        ("$1,234.50", "1234.50"),
        ("12.5 USD", "12.5"),
        ("1 234.50", "1234.50"),
    ],
)
def test_it_reads_decimal_point_numbers(cell, expected):
    data = f'sku,name,price\nREF,Reference,12.50\nA,B,"{cell}"\n'.encode()
    result = parse_price_file(data, "a.csv")
    assert result.errors == []
    assert str(by_sku(result)["A"].price) == expected


def test_it_reads_dot_thousands_when_the_file_shows_them():
    data = b"sku;name;price\nA;B;1.234\nC;D;15.250.000\n"
    assert {i.sku: str(i.price) for i in parse_price_file(data, "a.csv").items} == {"A": "1234", "C": "15250000"}


def test_it_rejects_ambiguous_thousands_in_a_decimal_comma_file():
    data = b"sku;name;price\nA;B;12,50\nC;D;1.234\n"
    result = parse_price_file(data, "a.csv")
    assert error_map(result) == {3: ["price"]}
    assert result.errors[0].value == "1.234"


def test_it_rejects_ambiguous_numbers_when_the_file_gives_no_hint():
    data = b"sku,name,price\nA,B,1,234\nC,D,7\n"  # unquoted: too many columns
    assert error_map(parse_price_file(data, "a.csv")) == {2: [""]}
    data = b'sku,name,price\nA,B,"1,234"\nC,D,7\n'
    assert error_map(parse_price_file(data, "a.csv")) == {2: ["price"]}


def test_it_treats_dots_as_thousands_for_currencies_without_cents():
    data = "Mã hàng,Tên hàng,Đơn giá (VND)\nA,B,92.000\nC,D,38.500\n".encode()
    assert [str(i.price) for i in parse_price_file(data, "a.csv").items] == ["92000", "38500"]


def test_it_rejects_a_price_in_the_other_decimal_style():
    data = b'sku,name,price\nA,B,10.50\nC,D,"12,50"\n'
    assert error_map(parse_price_file(data, "a.csv")) == {3: ["price"]}


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("12345678901234567890", "price"),  # 20 digits: too large
        ("1000000000000", "price"),  # 10^12: absurd
        ("1e30", "price"),
        ("-5", "price"),
        ("0", "price"),
        ("0,00", "price"),
        ("abc", "price"),
        ("1.23456", "price"),  # more than 4 decimal places
        ("", "price"),  # missing
    ],
)
def test_it_rejects_bad_prices(cell, column):
    data = f'sku,name,price\nOK,Fine,1.00\nA,B,"{cell}"\n'.encode()
    result = parse_price_file(data, "a.csv")
    assert error_map(result) == {3: [column]}
    assert result.errors[0].value == cell
    assert [i.sku for i in result.items] == ["OK"]


def test_it_says_too_large_for_twenty_digits():
    data = b"sku,name,price\nA,B,12345678901234567890\n"
    error = parse_price_file(data, "a.csv").errors[0]
    assert "too large" in error.message


def test_it_allows_four_decimal_places_and_warns_about_them():
    data = b"sku,name,price\nA,B,0.1825\nC,D,1.5000\nE,F,1.50\n"
    result = parse_price_file(data, "a.csv")
    assert result.errors == []
    assert str(by_sku(result)["A"].price) == "0.1825"
    assert str(by_sku(result)["C"].price) == "1.5000"
    assert [(w.row, w.column) for w in result.warnings] == [(2, "price"), (3, "price")]


def test_it_rejects_zero_and_bad_minimum_quantities_and_defaults_to_one():
    data = b"sku,name,price,min_qty\nA,B,1,\nC,D,1,0\nE,F,1,-2\nG,H,1,lots\nI,J,1,2.5\n"
    result = parse_price_file(data, "a.csv")
    assert error_map(result) == {3: ["min_qty"], 4: ["min_qty"], 5: ["min_qty"]}
    assert by_sku(result)["A"].min_qty == Decimal("1")
    assert by_sku(result)["I"].min_qty == Decimal("2.5")


def test_it_never_uses_floats_for_money():
    result = parse_price_file(b"sku,name,price\nA,B,0.1\nC,D,0.2\n", "a.csv")
    assert all(isinstance(i.price, Decimal) for i in result.items)
    assert sum(i.price for i in result.items) == Decimal("0.3")
    assert result.frame["price"].tolist() == ["0.1", "0.2"]


def test_it_parses_the_same_way_on_the_fast_and_the_slow_path():
    values = [
        "1",
        "12,50",
        "1.234,5",
        "1.234",
        "0,5",
        "007",
        "",
        "  ",
        "1,2,3",
        "12,3456",
        "12,34567",
        "999999999999",
        "1000000000000",
        "1.000.000.000.000",
        ",5",
        "5,",
        "-1",
        "x",
        "0",
        "1.23.4",
        "12.345,6",
    ]
    for conv in (
        importers._Conv(",", True),
        importers._Conv(",", False),
        importers._Conv(".", False),
        importers._Conv(),
    ):
        feats = importers._Feats.of(values)
        fast = importers._vec_numbers(values, conv, feats)
        for i, value in enumerate(values):
            text, err, _kw = importers._parse_number(value, conv)
            assert fast.norm[i] == text, (conv, value)
            assert (i in fast.errors) == (err is not None), (conv, value)


# --------------------------------------------------------------------------
# Dates, lead times, text
# --------------------------------------------------------------------------


def test_it_reads_text_dates_and_rejects_impossible_ones():
    data = (
        b"sku;name;price;valid from;valid to\n"
        b"A;B;1;01.10.2026;2026-12-31\n"
        b"C;D;1;31.02.2026;\n"
        b"E;F;1;01/02/2026;13/13/2026\n"
        b"G;H;1;someday;\n"
        b"I;J;1;01.12.2026;01.11.2026\n"
    )
    result = parse_price_file(data, "a.csv")
    assert error_map(result) == {3: ["valid_from"], 4: ["valid_to"], 5: ["valid_from"], 6: ["valid_to"]}
    assert by_sku(result)["A"].valid_from == dt.date(2026, 10, 1)
    assert by_sku(result)["A"].valid_to == dt.date(2026, 12, 31)
    assert {e.row: e.value for e in result.errors}[3] == "31.02.2026"


def test_it_reads_excel_dates_and_rejects_impossible_text_dates():
    data = xlsx_bytes(
        [
            ["SKU", "Name", "Price", "Valid from"],
            ["A", "B", 1, dt.datetime(2026, 10, 1)],
            ["C", "D", 1, "31.02.2026"],
        ]
    )
    result = parse_price_file(data, "a.xlsx")
    assert error_map(result) == {3: ["valid_from"]}
    assert result.items[0].valid_from == dt.date(2026, 10, 1)


def test_it_reads_lead_times():
    data = "sku;name;price;Срок поставки\nA;B;1;5\nC;D;1;10 дней\nE;F;1;3-7\nG;H;1;soon\nI;J;1;\n".encode()
    result = parse_price_file(data, "a.csv")
    assert error_map(result) == {5: ["lead_time_days"]}
    assert {i.sku: i.lead_time_days for i in result.items} == {"A": 5, "C": 10, "E": 7, "I": None}
    assert [(w.row, w.column) for w in result.warnings] == [(4, "lead_time_days")]


def test_it_strips_text_and_limits_the_name():
    long_name = "x" * 501
    data = f"sku,name,unit,price\n  A-1  ,  Bolt  , pcs ,1\nA-2,{long_name},pcs,1\nA-3,{'y' * 500},pcs,1\n".encode()
    result = parse_price_file(data, "a.csv")
    assert error_map(result) == {3: ["name"]}
    item = by_sku(result)["A-1"]
    assert (item.sku, item.name, item.unit) == ("A-1", "Bolt", "pcs")
    assert "A-3" in by_sku(result)


def test_it_skips_blank_lines_but_keeps_their_numbers():
    data = b"sku,name,price\nA,B,1\n\n,,\nC,D,2\n"
    result = parse_price_file(data, "a.csv")
    assert result.errors == []
    assert [i.row for i in result.items] == [2, 5]
    assert result.total_rows == 2


def test_it_warns_about_section_heading_rows():
    data = "Артикул;Наименование;Цена\n;ЦЕМЕНТ;\nЦМ-1;Цемент М500;450,00\n".encode()
    result = parse_price_file(data, "a.csv")
    assert result.errors == []
    assert [(w.row, w.column, w.value) for w in result.warnings] == [(2, "", "ЦЕМЕНТ")]
    assert [i.row for i in result.items] == [3]


# --------------------------------------------------------------------------
# Rows: columns and duplicates
# --------------------------------------------------------------------------


def test_it_tells_too_few_columns_from_empty_cells():
    data = b"sku,name,unit,price\nA,B\nC,D,pcs,\nE,F,pcs,1\n"
    result = parse_price_file(data, "a.csv")
    assert error_map(result) == {2: [""], 3: ["price"]}
    assert "too few" in result.errors[0].message.lower()


def test_it_reports_too_many_columns_and_keeps_numbering():
    data = b"sku,name,price\nA,B,1\nC,D,2,extra\nE,F,3\n"
    result = parse_price_file(data, "a.csv")
    assert error_map(result) == {3: [""]}
    assert [i.row for i in result.items] == [2, 4]


def test_it_rejects_a_repeated_sku_and_minimum_quantity():
    data = b"sku,name,price,min_qty\nA,B,1,10\nA,B,0.9,100\nA,B,1.1,10.0\nA,B,1.2,100\n"
    result = parse_price_file(data, "a.csv")
    assert error_map(result) == {4: ["sku"], 5: ["sku"]}
    messages = {e.row: e.message for e in result.errors}
    assert "2" in messages[4] and "3" in messages[5]


def test_it_caps_the_listed_errors_but_counts_them_all():
    data = ("sku,name,price\n" + "".join(f"A{i},B,bad\n" for i in range(10))).encode()
    result = parse_price_file(data, "a.csv", max_errors=3)
    assert result.error_count == 10
    assert [e.row for e in result.errors] == [2, 3, 4, 0]  # the last one says more were found


# --------------------------------------------------------------------------
# Chunks
# --------------------------------------------------------------------------


def chunked_csv() -> bytes:
    lines = ["Артикул;Наименование;Цена, руб.;Мин. партия"]
    for i in range(1, 12):
        lines.append(f"S-{i};Товар {i};{i} 000,50;1")
    lines[5] = ""  # a blank line (row 6)
    lines[9] = "S-2;Снова второй;5,00;1"  # row 10 repeats row 3
    lines.append("S-12;Лишние;1,00;1;extra")  # row 13: too many cells
    lines.append("S-13;Последний;3,00;1")  # row 14
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


@pytest.mark.parametrize("as_path", [False, True])
def test_it_numbers_rows_across_chunks(tmp_path, as_path):
    data = chunked_csv()
    source = data
    if as_path:
        source = tmp_path / "big.csv"
        source.write_bytes(data)
    chunks = list(iter_price_chunks(source, "big.csv", chunk_rows=3))
    assert len(chunks) >= 4
    rows = [i.row for c in chunks for i in c.items]
    assert rows == [2, 3, 4, 5, 7, 8, 9, 11, 12, 14]
    errors = [(e.row, e.column) for c in chunks for e in c.errors]
    assert sorted(errors) == [(10, "sku"), (13, "")]
    dup = next(e for c in chunks for e in c.errors if e.row == 10)
    assert "3" in dup.message
    assert all(c.encoding == "cp1251" and c.delimiter == ";" for c in chunks)
    assert sum(c.total_rows for c in chunks) == 12
    frames = [c.frame for c in chunks if c.frame is not None]
    assert sum(len(f) for f in frames) == 10
    assert by_sku(chunks[0])["S-1"].price == Decimal("1000.50")


def test_it_gives_the_same_rows_chunked_and_whole():
    data = chunked_csv()
    whole = parse_price_file(data, "a.csv")
    chunked = list(iter_price_chunks(data, "a.csv", chunk_rows=2))
    assert [i for c in chunked for i in c.items] == whole.items
    assert [e for c in chunked for e in c.errors] == whole.errors


def test_it_chunks_xlsx_too():
    rows = [["SKU", "Name", "Price"]] + [[f"A{i}", "Bolt", i + 0.5] for i in range(7)]
    chunks = list(iter_price_chunks(xlsx_bytes(rows), "a.xlsx", chunk_rows=3))
    assert [len(c.items) for c in chunks] == [3, 3, 1]
    assert [i.row for c in chunks for i in c.items] == list(range(2, 9))


def test_it_builds_the_items_from_the_frame_once():
    result = parse_price_file(b"sku;name;price\nA;B;1,5\n", "a.csv")
    assert result.items is result.items
    assert result.items == [PriceRow(2, "A", "B", "", Decimal("1.5"), None, Decimal("1"), None, None, None)]


def test_it_exposes_a_frame_for_the_bulk_path():
    result = parse_price_file(sample("pricelist_ru_cp1251.csv"), "ru.csv")
    frame = result.frame
    assert list(frame.columns) == list(importers.FRAME_COLUMNS)
    row = frame[frame["sku"] == "АРМ-12-А500"].iloc[0]
    assert row["price"] == "61250.00"
    assert row["min_qty"] == "1"
    assert row["currency"] == "RUB"
    assert row["valid_from"] is None
    assert frame["row"].dtype == np.int64


# --------------------------------------------------------------------------
# JSON items
# --------------------------------------------------------------------------


def test_it_validates_json_items():
    items = [
        {"sku": "A-1", "name": "Bolt", "unit": "pcs", "price": "1.25", "currency": "usd", "min_qty": 100},
        {"sku": "A-1", "name": "Bolt", "unit": "pcs", "price": Decimal("1.10"), "min_qty": "1000"},
        {
            "sku": "A-2",
            "name": "Nut",
            "price": 0.1 + 0.2,
            "valid_from": "2026-10-01",
            "valid_to": dt.date(2026, 12, 31),
        },
        {"sku": "A-1", "name": "Again", "price": 2, "min_qty": 100.0},
        {"sku": "", "name": "No SKU", "price": -1},
        "not an object",
        {"sku": "A-3", "name": "Text price", "price": "1,234"},
        {"sku": "A-4", "name": "Bad date", "price": 1, "valid_from": "31.02.2026", "lead_time_days": 3},
    ]
    result = parse_price_items(items, default_currency="EUR")
    assert error_map(result) == {
        4: ["sku"],
        5: ["sku", "price"],
        6: [""],
        7: ["price"],
        8: ["valid_from"],
    }
    rows = {i.row: i for i in result.items}
    assert list(rows) == [1, 2, 3]
    assert rows[1].price == Decimal("1.25") and rows[1].currency == "USD" and rows[1].min_qty == Decimal("100")
    assert rows[2].price == Decimal("1.10") and rows[2].currency == "EUR"
    assert rows[3].price == Decimal("0.3")
    assert rows[3].min_qty == Decimal("1")
    assert rows[3].valid_to == dt.date(2026, 12, 31)
    assert "1" in {e.row: e.message for e in result.errors}[4]


def test_it_rejects_an_empty_item_list():
    result = parse_price_items([])
    assert result.items == []
    assert [e.row for e in result.errors] == [0]


def test_it_reports_missing_fields_of_json_items():
    result = parse_price_items([{"sku": "A"}])
    assert error_map(result) == {1: ["name", "price"]}


def test_it_accepts_rows_with_a_trailing_delimiter_the_header_lacks():
    data = b"sku;name;price\nA;B;1;\nC;D;2;\nE;F;3;oops\n"
    result = parse_price_file(data, "a.csv")
    assert [i.sku for i in result.items] == ["A", "C"]
    assert error_map(result) == {4: [""]}
    assert "4" in result.errors[0].message and "3" in result.errors[0].message


def test_it_stops_the_reader_thread_when_chunking_stops_early(tmp_path):
    import threading

    path = tmp_path / "big.csv"
    path.write_bytes(("sku,name,price\n" + "".join(f"A{i},Bolt,{i + 1}.00\n" for i in range(5000))).encode())
    chunks = iter_price_chunks(path, "big.csv", chunk_rows=100)
    first = next(chunks)
    assert [i.row for i in first.items][:2] == [2, 3]
    chunks.close()
    assert not [t for t in threading.enumerate() if t.name == "price-list-reader"]


def test_it_accepts_a_binary_file_object():
    result = parse_price_file(io.BytesIO(sample("pricelist_vi_utf8bom.csv")), "vi.csv")
    assert len(result.items) == 6
    chunks = list(iter_price_chunks(io.BytesIO(sample("pricelist_vi_utf8bom.csv")), "vi.csv", chunk_rows=4))
    assert [len(c.items) for c in chunks] == [4, 2]
    assert chunks[0].encoding == "utf-8-sig"
    assert chunks[0].headers[0] == "Mã hàng"


def test_it_turns_unusable_input_into_an_error():
    result = parse_price_file(None, "nothing.csv")
    assert result.items == []
    assert [e.row for e in result.errors] == [0]
