"""Header rows: the names suppliers give their columns, in Russian, Vietnamese and English.

A header cell is normalized (case, spaces, a currency note such as "Цена, руб.") and looked up
among the synonyms of each field, exactly first, then as a prefix ("Цена с НДС"). The caller's
mapping (field -> header text) beats the synonyms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .context import FileProblem, Layout
from .messages import M_MAPPING_NO_HEADER, M_MAPPING_UNKNOWN_FIELD, M_MISSING_COLUMNS, label
from .results import CANONICAL_FIELDS, FIELD_ORDER, REQUIRED_FIELDS
from .values import currency_from_text

HEADER_SCAN_ROWS = 30  # the header row must be within the first rows

_RAW_SYNONYMS: dict[str, tuple[str, ...]] = {
    "sku": (
        "SKU",
        "Article",
        "Art.",
        "Article No.",
        "Article number",
        "Item code",
        "Item No.",
        "Item number",
        "Code",
        "Product code",
        "Part number",
        "Part No.",
        "Артикул",
        "Код",
        "Код товара",
        "Mã hàng",
        "Mã SP",
        "Mã sản phẩm",
        "Mã",
    ),
    "name": (
        "Name",
        "Description",
        "Product",
        "Product name",
        "Item",
        "Item name",
        "Наименование",
        "Название",
        "Товар",
        "Наименование товара",
        "Tên hàng",
        "Tên sản phẩm",
        "Tên",
    ),
    "unit": (
        "Unit",
        "UoM",
        "Unit of measure",
        "Ед. изм.",
        "Ед. измерения",
        "Единица",
        "Единица измерения",
        "Ед.",
        "Đơn vị tính",
        "ĐVT",
        "Đơn vị",
    ),
    "price": (
        "Price",
        "Unit price",
        "Price per unit",
        "Цена",
        "Цена за единицу",
        "Стоимость",
        "Đơn giá",
        "Giá",
        "Giá bán",
    ),
    "currency": ("Currency", "Валюта", "Tiền tệ", "Loại tiền"),
    "min_qty": (
        "Min qty",
        "Min. qty",
        "Minimum quantity",
        "Minimum order quantity",
        "MOQ",
        "Min. order",
        "Min order",
        "Мин. партия",
        "Минимальная партия",
        "Мин. заказ",
        "Минимальный заказ",
        "Số lượng tối thiểu",
        "SL tối thiểu",
    ),
    "valid_from": (
        "Valid from",
        "Effective from",
        "Действует с",
        "Действительна с",
        "Hiệu lực từ",
    ),
    "valid_to": (
        "Valid to",
        "Valid until",
        "Valid till",
        "Effective to",
        "Действует по",
        "Действует до",
        "Действительна до",
        "Hiệu lực đến",
    ),
    "lead_time_days": (
        "Lead time",
        "Lead time (days)",
        "Delivery time",
        "Срок поставки",
        "Срок поставки, дней",
        "Срок поставки (дней)",
        "Thời gian giao hàng",
    ),
}

_PAREN_RE = re.compile(r"\(([^()]*)\)")


def normalize_header(text: object) -> tuple[str, str | None]:
    """Normalize a header cell: ``(key, currency_hint)``.

    "Цена, руб." -> ("цена", "RUB"); "Đơn giá (VND)" -> ("đơn giá", "VND");
    "Lead time (days)" -> ("lead time", None).
    """
    s = unicodedata.normalize("NFC", str(text)).replace("\ufeff", "").replace("_", " ")
    s = " ".join(s.split()).casefold()
    hint = None
    notes = _PAREN_RE.findall(s)
    s = _PAREN_RE.sub(" ", s)
    if "," in s:
        s, _, tail = s.partition(",")
        notes.extend(tail.split(","))
    for note in notes:
        hint = hint or currency_from_text(note)
    words = s.split()
    if len(words) > 1 and currency_from_text(words[-1]):
        hint = hint or currency_from_text(words[-1])
        words = words[:-1]
    s = " ".join(words)
    s = re.sub(r"\.\s*", ". ", s)  # "Ед.изм." and "Ед. изм." alike
    s = " ".join(s.split()).strip(" .:;,*#№-_")
    return s, hint


HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    name: tuple(dict.fromkeys(normalize_header(s)[0] for s in (name, *synonyms)))
    for name, synonyms in _RAW_SYNONYMS.items()
}
_SYNONYM_LOOKUP = {syn: name for name, syns in HEADER_SYNONYMS.items() for syn in syns}
# Prefix matches ("Цена с НДС", "Наименование товара"), longest synonym first.
_PREFIX_SYNONYMS = sorted(
    ((syn, name) for syn, name in _SYNONYM_LOOKUP.items() if len(syn) >= 3),
    key=lambda p: -len(p[0]),
)


@dataclass
class HeaderMap:
    columns: dict[str, int]  # field -> position of its column, in the order of CANONICAL_FIELDS
    mapping: dict[str, str]  # field -> header text
    hint: str | None  # currency named in the price header
    problem: tuple[str, dict] | None  # (template, kw): the first problem with the caller's mapping


def map_headers(cells: list[str], override: dict[str, str] | None) -> HeaderMap:
    """Which column holds which field: the caller's mapping first, then exact synonyms, then prefixes."""
    keys = [normalize_header(c) for c in cells]
    columns, problem = _overridden(cells, keys, override or {})
    for i, (key, _hint) in enumerate(keys):
        _claim(columns, _SYNONYM_LOOKUP.get(key), i)
    for i, (key, _hint) in enumerate(keys):
        if key and i not in columns.values():
            _claim(columns, _prefix_field(key, columns), i)
    columns = dict(sorted(columns.items(), key=lambda item: FIELD_ORDER[item[0]]))
    hint = keys[columns["price"]][1] if "price" in columns else None
    return HeaderMap(columns, {f: cells[i] for f, i in columns.items()}, hint, problem)


def _overridden(
    cells: list[str], keys: list[tuple[str, str | None]], override: dict[str, str]
) -> tuple[dict[str, int], tuple[str, dict] | None]:
    """The columns the caller's mapping names, and the first problem with it."""
    columns: dict[str, int] = {}
    problems: list[tuple[str, dict]] = []
    for fname, header in override.items():
        if fname not in CANONICAL_FIELDS:
            problems.append((M_MAPPING_UNKNOWN_FIELD, {"field": fname}))
            continue
        idx = next((i for i, c in enumerate(cells) if c == header), None)
        if idx is None:
            wanted = normalize_header(header)[0]
            idx = next((i for i, k in enumerate(keys) if k[0] == wanted), None)
        if idx is None or idx in columns.values():
            problems.append((M_MAPPING_NO_HEADER, {"header": header, "label": label(fname)}))
            continue
        columns[fname] = idx
    return columns, (problems[0] if problems else None)


def _prefix_field(key: str, columns: dict[str, int]) -> str | None:
    """The unclaimed field whose longest synonym begins ``key`` ("цена с ндс": price)."""
    return next((f for syn, f in _PREFIX_SYNONYMS if f not in columns and key.startswith(syn + " ")), None)


def _claim(columns: dict[str, int], fname: str | None, i: int) -> None:
    if fname and fname not in columns and i not in columns.values():
        columns[fname] = i


def header_score(cells: list[str], override: dict[str, str] | None) -> int:
    """How many fields a record names: 2 or more make it the header."""
    if sum(1 for c in cells if str(c).strip()) < 2:
        return 0
    return len(map_headers(cells, override).columns)


def find_header(records: list[list[str]], override: dict[str, str] | None) -> tuple[int, int]:
    """(index of the first record with >= 2 recognised headers, its score);
    (-1, 0) when none."""
    for i, rec in enumerate(records[:HEADER_SCAN_ROWS]):
        score = header_score(rec, override)
        if score >= 2:
            return i, score
    return -1, 0


def header_layout(
    cells: list, override: dict[str, str] | None, *, encoding: str | None = None, delimiter: str | None = None
) -> Layout:
    """The layout a header record gives; a :class:`FileProblem` when a required column is missing."""
    cells = [str(c).replace("\ufeff", "").strip() for c in cells]
    while cells and not cells[-1]:
        cells.pop()
    found = map_headers(cells, override)
    layout = Layout(
        encoding=encoding,
        delimiter=delimiter,
        headers=tuple(cells),
        mapping=found.mapping,
        columns=found.columns,
        currency_hint=found.hint,
    )
    listed = ", ".join(c for c in cells if c) or "—"
    if found.problem:
        template, kw = found.problem
        raise FileProblem(template, layout, **kw, headers=listed)
    missing = [f for f in REQUIRED_FIELDS if f not in found.columns]
    if missing:
        raise FileProblem(M_MISSING_COLUMNS, layout, fields=", ".join(label(f) for f in missing), headers=listed)
    return layout
