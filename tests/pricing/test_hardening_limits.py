"""Finding 2 of issue 10 (limits): a file is measured before the reading it would make expensive."""

import io
import time

import openpyxl

from pricing.importers import csv_reader, parse_price_file, xlsx_reader


def _xlsx(rows: int, columns: int = 3) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["SKU", "Name", "Price", *[f"x{i}" for i in range(columns - 3)]])
    for i in range(rows):
        book.active.append([f"A-{i}", "Bolt", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _file_problem(result) -> str:
    assert result.items == [] and result.errors and result.errors[0].row == 0
    return result.errors[0].message


def test_it_refuses_a_csv_header_of_too_many_columns_quickly():
    data = ("sku,name,price," + ",".join(f"c{i}" for i in range(100_000)) + "\nA-1,Bolt,1\n").encode()
    started = time.monotonic()
    message = _file_problem(parse_price_file(data, "wide.csv"))
    assert time.monotonic() - started < 5
    assert "100003 columns" in message


def test_it_stops_a_csv_over_the_row_limit(monkeypatch):
    monkeypatch.setattr(csv_reader, "MAX_ROWS", 3)
    data = ("sku,name,price\n" + "".join(f"A-{i},Bolt,1\n" for i in range(10))).encode()
    assert "more than 3 rows" in _file_problem(parse_price_file(data, "long.csv"))


def test_it_refuses_a_workbook_whose_directory_states_too_much(monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_INFLATED_BYTES", 1000)

    def never(*args, **kwargs):
        raise AssertionError("the workbook was read")

    monkeypatch.setattr(xlsx_reader, "_read_sheet", never)
    assert "unpacks to" in _file_problem(parse_price_file(_xlsx(10), "big.xlsx"))


def test_it_refuses_a_sheet_whose_dimension_is_over_the_row_limit(monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_ROWS", 5)
    assert "more than 5 rows" in _file_problem(parse_price_file(_xlsx(50), "long.xlsx"))


def test_it_refuses_a_sheet_wider_than_the_column_limit(monkeypatch):
    monkeypatch.setattr(xlsx_reader, "MAX_COLUMNS", 10)
    assert "columns" in _file_problem(parse_price_file(_xlsx(2, columns=30), "wide.xlsx"))


def test_it_still_reads_a_workbook_within_the_limits():
    result = parse_price_file(_xlsx(5), "ok.xlsx")
    assert not result.errors and len(result.items) == 5
