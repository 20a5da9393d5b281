"""Finding 6 of issue 10: a line that is not valid in the file's encoding is a row error naming the row."""

from pricing.importers import iter_price_chunks, parse_price_file

UTF8_ROWS = [f"А-{i};Болт М{i};шт;{i + 1},50" for i in range(1, 6)]


def _mixed() -> bytes:
    lines = ["Артикул;Наименование;Ед.;Цена", *UTF8_ROWS[:2]]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    data += "Б-9;Гайка М8;шт;3,00\n".encode("cp1251")  # row 4, pasted from a windows-1251 file
    data += ("\n".join(UTF8_ROWS[2:]) + "\n").encode("utf-8")
    return data


def test_it_reads_a_mixed_file_as_utf8_and_names_the_bad_row():
    result = parse_price_file(_mixed(), "mixed.csv")
    assert result.encoding == "utf-8"
    assert [(e.row, e.column) for e in result.errors] == [(4, "")]
    assert "utf-8" in result.errors[0].message
    assert [item.name for item in result.items] == [f"Болт М{i}" for i in range(1, 6)]


def test_it_names_the_bad_row_when_reading_in_chunks(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(_mixed())
    errors = [e for chunk in iter_price_chunks(str(path), "mixed.csv", chunk_rows=2) for e in chunk.errors]
    assert [(e.row, e.column) for e in errors] == [(4, "")]


def test_it_still_reads_a_whole_cp1251_file_as_cp1251():
    text = "Артикул;Наименование;Цена\n" + "\n".join(f"А-{i};Болт М{i};{i},50" for i in range(1, 6)) + "\n"
    result = parse_price_file(text.encode("cp1251"), "ru.csv")
    assert result.encoding == "cp1251" and not result.errors
    assert result.items[0].name == "Болт М1"


def test_it_names_the_rows_a_chosen_encoding_cannot_read():
    data = "sku;name;price\nA-1;Bolt;1\nA-2;Болт;2\n".encode("cp1251")
    result = parse_price_file(data, "ru.csv", encoding="utf-8")
    assert [(e.row, e.column) for e in result.errors] == [(3, "")]
    assert [item.sku for item in result.items] == ["A-1"]
