"""Numbers as suppliers write them: "61 250,00 руб.", "1.234,5", "12.5", "(3)", "1,5e3".

A file has one decimal convention (:class:`Convention`), settled by the first chunk whose price
column shows it (:func:`settle_convention`); a value that could be read either way is refused as
ambiguous rather than guessed.

A column is read on its bytes: all cells joined with newlines, their separators and digits counted
per line with numpy (:class:`Features`, :func:`read_fast`). Only cells that this fast path cannot
vouch for go through :func:`parse_number`, the reference implementation, which gives the messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import NamedTuple

import numpy as np

from marketplace.money import minor_units

from .messages import (
    M_ABSURD,
    M_AMBIGUOUS,
    M_BAD_NUMBER_FORMAT,
    M_FORMULA,
    M_NEGATIVE,
    M_NOT_A_NUMBER,
    M_TOO_LARGE,
    M_TOO_MANY_DECIMALS,
    M_ZERO,
)
from .values import CURRENCY_MARKS, by_distinct, spread

MAX_DECIMAL_PLACES = 4
MAX_INTEGER_DIGITS = 15  # more digits before the point: "too large"
PRICE_CEILING = Decimal(10) ** 12  # prices (and quantities) at or above: absurd

_SPACE_CHARS = (" ", "\xa0", "\u202f", "\u2009", "\u2007", "\t", "\r", "'", "’", "\u3000")
_PLAIN_RE = re.compile(r"\d+(?:[.,]\d+)*")
_EXP_RE = re.compile(r"\d+(?:[.,]\d+)?[eE][+-]?\d{1,4}")
_QUANT = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)
_CEILING_TEXT = "1 000 000 000 000"
_NL, _DOT, _COMMA, _ZERO, _ONE, _NINE = (ord(c) for c in "\n.,019")


@dataclass(frozen=True)
class Convention:
    """Decimal convention of a file: decimal mark ("." / "," / None = unknown)
    and whether the other mark is known to be used as thousands separator."""

    decimal: str | None = None
    thousands_ok: bool = False

    @property
    def thousands(self) -> str | None:
        if self.decimal is None:
            return None
        return "," if self.decimal == "." else "."


PLAIN = Convention(".", False)  # numbers typed in a spreadsheet or given in JSON


def clean_number_text(s: str) -> str:
    """Without spaces (thousands groups) and currency marks."""
    for ch in _SPACE_CHARS:
        if ch in s:
            s = s.replace(ch, "")
    for tok in CURRENCY_MARKS:
        if tok in s:
            s = s.replace(tok, "")
    return s


def _self_evident_decimal(s: str) -> str | None:
    """Decimal mark of a value that explains itself, None when ambiguous."""
    has_dot, has_com = "." in s, "," in s
    if has_dot and has_com:
        return "." if s.rfind(".") > s.rfind(",") else ","
    c = "." if has_dot else ","
    if s.count(c) > 1:
        return "," if c == "." else "."
    before, _, after = s.partition(c)
    if len(after) != 3 or len(before) > 3 or not before or before[0] == "0":
        return c
    return None


def _apply_conv(s: str, conv: Convention) -> tuple[str, str, str | None, dict]:
    """Split plain digits-and-separators text into (integer, fraction)."""
    if "." not in s and "," not in s:
        return s, "", None, {}
    dec = conv.decimal
    thousands_ok = conv.thousands_ok
    if dec is None:
        dec = _self_evident_decimal(s)
        thousands_ok = False
        if dec is None:
            before, _, after = s.partition("." if "." in s else ",")
            return _ambiguous(before, after)
    thou = "," if dec == "." else "."
    if s.count(dec) > 1:
        return "", "", M_BAD_NUMBER_FORMAT, {"decimal": dec}
    ip, _, fp = s.partition(dec)
    if thou in fp:
        return "", "", M_BAD_NUMBER_FORMAT, {"decimal": dec}
    if thou in ip:
        groups = ip.split(thou)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return "", "", M_BAD_NUMBER_FORMAT, {"decimal": dec}
        if len(groups) == 2 and dec not in s and not thousands_ok:
            return _ambiguous(*groups)
        ip = "".join(groups)
    return ip, fp, None, {}


def _ambiguous(before: str, after: str) -> tuple[str, str, str | None, dict]:
    """ "1.234": one thousand two hundred and thirty-four, or one point two three four."""
    return "", "", M_AMBIGUOUS, {"as_thousands": before + after, "as_decimal": before + "." + after}


def parse_number(raw: str, conv: Convention) -> tuple[str, str | None, dict]:
    """Reference parser for one cell: ``(normalized, error_template, kw)``.

    ``normalized`` is "" for an empty cell (and on error); otherwise the value
    as plain decimal text with "." as decimal mark ("61250.00").
    """
    text = raw.strip()
    if not text:
        return "", None, {}
    if text.startswith("="):
        return "", M_FORMULA, {}
    s = clean_number_text(text)
    if not s:
        return "", None, {}
    negative = False
    if s[0] in "-−–":
        negative, s = True, s[1:]
    elif s[0] == "+":
        s = s[1:]
    if len(s) > 2 and s[0] == "(" and s[-1] == ")":
        negative, s = True, s[1:-1]
    if _PLAIN_RE.fullmatch(s):
        ip, fp, err, kw = _apply_conv(s, conv)
        if err:
            return "", err, kw
        d = Decimal(ip + "." + fp if fp else ip)
    elif _EXP_RE.fullmatch(s):
        if "," in s and conv.decimal == ".":
            return "", M_BAD_NUMBER_FORMAT, {"decimal": "."}
        try:
            d = Decimal(s.replace(",", "."))
        except InvalidOperation:  # pragma: no cover - guarded by the regex
            return "", M_NOT_A_NUMBER, {}
    else:
        return "", M_NOT_A_NUMBER, {}
    if negative and d != 0:
        return "", M_NEGATIVE, {}
    if d == 0:
        return "", M_ZERO, {}
    if d >= Decimal(10) ** MAX_INTEGER_DIGITS:
        return "", M_TOO_LARGE, {"digits": MAX_INTEGER_DIGITS}
    if d >= PRICE_CEILING:
        return "", M_ABSURD, {"limit": _CEILING_TEXT}
    if d.as_tuple().exponent < -MAX_DECIMAL_PLACES:
        q = d.quantize(_QUANT)
        if q != d:
            return "", M_TOO_MANY_DECIMALS, {"places": MAX_DECIMAL_PLACES}
        d = q
    return format(d, "f"), None, {}


# --------------------------------------------------------------------------
# Whole columns
# --------------------------------------------------------------------------


@dataclass
class Numbers:
    """A column read: normalized text ("" where empty or wrong), problems by position."""

    norm: np.ndarray  # object array of normalized text ("" empty/error)
    empty: np.ndarray  # bool
    errors: dict[int, tuple[str, dict]]  # position -> (template, kw)
    frac: np.ndarray | None = None  # decimals written (fast path), for warnings


class Separators(NamedTuple):
    """Every "." "," and line end of a column's bytes, with its neighbours."""

    pos: np.ndarray
    kind: np.ndarray  # the byte
    line: np.ndarray  # the cell it is in
    prev_kind: np.ndarray  # the separator before it (a line end before the first)
    next_kind: np.ndarray
    gap_before: np.ndarray  # bytes since the separator before it
    gap_after: np.ndarray


class Features:
    """Per-cell features of a column, computed from the bytes of all cells
    joined with newlines (after removing spaces and currency marks)."""

    def __init__(self, joined: str, n: int) -> None:
        self.joined = joined
        b = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
        self.b = b
        nl = np.flatnonzero(b == _NL)
        self.nl = nl
        starts = np.empty(n, dtype=np.int64)
        starts[0] = 0
        starts[1:] = nl[:-1] + 1
        self.starts = starts
        self.line_len = nl - starts
        self.is_dot = b == _DOT
        self.is_com = b == _COMMA
        digit = (b >= _ZERO) & (b <= _NINE)
        other = ~(digit | self.is_dot | self.is_com)
        other[nl] = False
        self.n_other = self.per_line(other)
        self.n_dot = self.per_line(self.is_dot)
        self.n_com = self.per_line(self.is_com)
        self.n_digit = self.per_line(digit)
        self.n_nonzero = self.per_line((b >= _ONE) & (b <= _NINE))

    def per_line(self, mask: np.ndarray) -> np.ndarray:
        c = np.cumsum(mask, dtype=np.int32)  # a chunk is far below 2 GB
        ends = c[self.nl]
        out = ends.copy()
        out[1:] -= ends[:-1]
        return out

    @cached_property
    def separators(self) -> Separators:
        pos = np.flatnonzero(self.is_dot | self.is_com | (self.b == _NL))
        kind = self.b[pos]
        prev_pos = np.empty_like(pos)
        prev_pos[0] = -1
        prev_pos[1:] = pos[:-1]
        next_pos = np.empty_like(pos)
        next_pos[:-1] = pos[1:]
        next_pos[-1] = len(self.b)
        prev_kind = np.empty_like(kind)
        prev_kind[0] = _NL
        prev_kind[1:] = kind[:-1]
        next_kind = np.empty_like(kind)
        next_kind[:-1] = kind[1:]
        next_kind[-1] = _NL
        line = np.searchsorted(self.nl, pos)
        return Separators(pos, kind, line, prev_kind, next_kind, pos - prev_pos - 1, next_pos - pos - 1)

    @classmethod
    def of(cls, values: list[str]) -> Features | None:
        n = len(values)
        if n == 0:
            return None
        joined = "\n".join(values) + "\n"
        if joined.count("\n") != n:
            return None  # a cell contains a newline: the caller uses the slow path
        return cls(clean_number_text(joined), n)


def read_numbers(
    cells: list[str],
    typed: np.ndarray | None,
    convention: Convention,
    *,
    settle: Callable[[Features | None], Convention] | None = None,
    few_distinct: bool = False,
) -> Numbers:
    """A numeric column. ``typed`` marks cells that were numbers in the source (read as
    :data:`PLAIN`); ``settle`` gives the convention for the others once it has seen them;
    ``few_distinct`` columns (quantities) are parsed per distinct value."""
    n = len(cells)
    if typed is not None and typed.any():
        groups = [(np.flatnonzero(~typed), convention, settle), (np.flatnonzero(typed), PLAIN, None)]
    else:
        groups = [(np.arange(n), convention, settle)]
    parts = []
    for idx, conv, settle_group in groups:
        part = cells if len(idx) == n else [cells[i] for i in idx.tolist()]
        if part:
            parts.append((idx, _read_part(part, conv, settle_group, few_distinct)))
    return _merge(n, parts)


def _read_part(
    cells: list[str], conv: Convention, settle: Callable[[Features | None], Convention] | None, few_distinct: bool
) -> Numbers:
    if few_distinct and (len(cells) <= 2000 or len(set(cells[:2000])) < 200):
        return read_distinct(cells, conv)
    feats = Features.of(cells)
    if settle is not None:
        conv = settle(feats)
    if feats is None:
        return read_distinct(cells, conv)
    return read_fast(cells, conv, feats)


def _merge(n: int, parts: list[tuple[np.ndarray, Numbers]]) -> Numbers:
    norm = np.empty(n, dtype=object)
    norm[:] = ""
    empty = np.ones(n, dtype=bool)
    frac = np.zeros(n, dtype=np.int64)
    errors: dict[int, tuple[str, dict]] = {}
    for idx, col in parts:
        norm[idx] = col.norm
        empty[idx] = col.empty
        if col.frac is not None:
            frac[idx] = col.frac
        for pos, e in col.errors.items():
            errors[int(idx[pos])] = e
    return Numbers(norm, empty, errors, frac)


def read_distinct(cells: list[str], conv: Convention) -> Numbers:
    """Each distinct cell through :func:`parse_number`."""
    codes, parsed = by_distinct(cells, lambda u: parse_number(u, conv))
    norm = spread(codes, [p[0] for p in parsed])
    empty = spread(codes, [not p[0] and p[1] is None for p in parsed], dtype=bool)
    wrong = spread(codes, [p[1] is not None for p in parsed], dtype=bool)
    errors = {}
    if wrong.any():
        for pos in np.flatnonzero(wrong).tolist():
            p = parsed[codes[pos]]
            errors[pos] = (p[1], p[2])
    return Numbers(norm, empty, errors, None)


def read_fast(values: list[str], conv: Convention, f: Features) -> Numbers:
    """Fast path for a numeric column: whole-column checks on the bytes.
    Cells it cannot vouch for go through :func:`parse_number`."""
    bad, frac = _suspects(f, conv)
    norm = _normalized(f.joined, conv, len(values))
    empty = f.line_len == 0
    errors: dict[int, tuple[str, dict]] = {}
    for pos in np.flatnonzero(bad).tolist():
        text, err, kw = parse_number(values[pos], conv)
        norm[pos] = text
        if err:
            errors[pos] = (err, kw)
        elif not text:
            empty[pos] = True
        frac[pos] = 0
    return Numbers(norm, empty, errors, frac)


def _suspects(f: Features, conv: Convention) -> tuple[np.ndarray, np.ndarray]:
    """Cells the fast path cannot vouch for, and the decimals written in each cell."""
    nonempty = f.line_len > 0
    bad = (f.n_other > 0) | (nonempty & (f.n_nonzero == 0))
    # leading zeros ("007") would survive in the text: leave them to the slow path
    last = len(f.b) - 1
    first = f.b[np.minimum(f.starts, last)]
    second = f.b[np.minimum(f.starts + 1, last)]
    bad |= (f.line_len > 1) & (first == _ZERO) & (second >= _ZERO) & (second <= _NINE)
    frac = np.zeros(len(f.starts), dtype=np.int64)
    if conv.decimal is None:
        bad |= (f.n_dot + f.n_com) > 0
        bad |= f.n_digit > 12
        return bad, frac
    dch = _DOT if conv.decimal == "." else _COMMA
    tch = _COMMA if dch == _DOT else _DOT
    n_dec, n_thou = (f.n_dot, f.n_com) if dch == _DOT else (f.n_com, f.n_dot)
    bad |= n_dec > 1
    if not conv.thousands_ok:
        bad |= n_thou > 0
    if f.n_dot.any() or f.n_com.any():
        s = f.separators
        t = s.kind == tch
        t_bad = t & ((s.gap_after != 3) | (s.prev_kind == dch))
        t_bad |= t & (s.prev_kind == _NL) & ((s.gap_before < 1) | (s.gap_before > 3))
        d = s.kind == dch
        d_bad = d & ((s.next_kind != _NL) | (s.gap_after < 1) | (s.gap_after > MAX_DECIMAL_PLACES))
        d_bad |= d & (s.prev_kind == _NL) & (s.gap_before < 1)
        bad[s.line[t_bad | d_bad]] = True
        frac[s.line[d]] = s.gap_after[d]
    bad |= (f.n_digit - frac) > 12
    return bad, frac


def _normalized(joined: str, conv: Convention, n: int) -> np.ndarray:
    """Every cell with "." as decimal mark and no thousands separator (right where the fast path vouches)."""
    out = joined
    if conv.decimal is not None:
        if conv.thousands_ok and conv.thousands in out:
            out = out.replace(conv.thousands, "")
        if conv.decimal == ",":
            out = out.replace(",", ".")
    norm_list = out.split("\n")
    norm_list.pop()
    norm = np.empty(n, dtype=object)
    norm[:] = norm_list
    return norm


# --------------------------------------------------------------------------
# The file's convention
# --------------------------------------------------------------------------


def settle_convention(conv: Convention, feats: Features | None, base_currency: str | None) -> Convention:
    """The file's decimal convention once the price cells of a chunk have been seen."""
    if feats is None:
        return conv
    if conv.decimal is not None and (conv.thousands_ok or conv.thousands not in feats.joined):
        return conv  # nothing new to learn from this chunk
    votes_com, votes_dot, thou_dot, thou_com, n_dot, n_com = _evidence(feats)
    decimal, thousands_ok = conv.decimal, conv.thousands_ok
    if decimal is None:
        if votes_com or votes_dot:
            decimal = "," if votes_com > votes_dot else "."
        elif base_currency and minor_units(base_currency) == 0 and (n_dot or n_com):
            # "92.000 VND": grouping is the only sensible reading
            decimal = "," if n_dot >= n_com else "."
            thousands_ok = True
    if (decimal == "," and thou_dot) or (decimal == "." and thou_com):
        thousands_ok = True
    return Convention(decimal, thousands_ok)


def _evidence(f: Features) -> tuple[int, int, bool, bool, int, int]:
    """Votes for "," / "." as decimal mark and thousands evidence, from the
    values that are unambiguous on their own."""
    n_dot, n_com = f.n_dot, f.n_com
    clean = (f.n_other == 0) & ((n_dot + n_com) > 0)
    both = clean & (n_dot > 0) & (n_com > 0)
    multi_dot = clean & (n_dot > 1) & (n_com == 0)
    multi_com = clean & (n_com > 1) & (n_dot == 0)
    single = clean & ((n_dot + n_com) == 1)
    votes_com = int(multi_dot.sum())
    votes_dot = int(multi_com.sum())
    thou_dot = bool(multi_dot.any())
    thou_com = bool(multi_com.any())
    if both.any():
        s = f.separators
        last = (s.kind != _NL) & (s.next_kind == _NL)
        last_kind = np.zeros(len(f.nl), dtype=np.uint8)
        last_kind[s.line[last]] = s.kind[last]
        com_last = both & (last_kind == _COMMA)
        dot_last = both & (last_kind == _DOT)
        votes_com += int(com_last.sum())
        votes_dot += int(dot_last.sum())
        thou_dot = thou_dot or bool(com_last.any())
        thou_com = thou_com or bool(dot_last.any())
    if single.any():
        s = f.separators
        ent = (s.kind != _NL) & single[s.line]
        pos = s.pos[ent]
        ln = s.line[ent]
        after = f.nl[ln] - pos - 1
        before = pos - f.starts[ln]
        lead0 = f.b[f.starts[ln]] == _ZERO
        decimal_like = (after != 3) | (before > 3) | (before == 0) | lead0
        votes_com += int((decimal_like & (s.kind[ent] == _COMMA)).sum())
        votes_dot += int((decimal_like & (s.kind[ent] == _DOT)).sum())
    return votes_com, votes_dot, thou_dot, thou_com, int(n_dot.sum()), int(n_com.sum())
