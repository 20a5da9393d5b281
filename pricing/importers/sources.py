"""Where the bytes come from, what kind of file they are, and in which text encoding.

The kind is told by content, never by the file name: an XLSX workbook is a zip, an old XLS an OLE2
container, anything else is taken for delimited text. The encoding of text is UTF-8 (with or
without BOM), UTF-16 with a BOM, or a single-byte code page: cp1251 when the high bytes spell
Cyrillic words, cp1252 otherwise.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from typing import Any

from . import commerceml
from .context import FileProblem
from .messages import (
    M_FILE_BINARY,
    M_FILE_EMPTY,
    M_FILE_TOO_LARGE,
    M_FILE_UNDECODABLE,
    M_FILE_XLS,
    M_FILE_XML,
    M_UNKNOWN_ENCODING,
)

XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SAMPLE_BYTES = 1024 * 1024
XML_SNIFF_BYTES = 2048


class Source:
    """Bytes in memory or a file on disk, read the same way."""

    def __init__(self, obj: Any) -> None:
        self.path: str | None = None
        self.data: bytes | None = None
        if isinstance(obj, (bytes, bytearray, memoryview)):
            self.data = bytes(obj)
        elif isinstance(obj, (str, os.PathLike)):
            self.path = os.fspath(obj)
        elif hasattr(obj, "read"):
            self.data = obj.read()
        else:
            raise TypeError("expected bytes, a path or a binary file object")

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else os.path.getsize(self.path)

    def head(self, n: int) -> bytes:
        if self.data is not None:
            return self.data[:n]
        with open(self.path, "rb") as fh:
            return fh.read(n)

    def all_bytes(self) -> bytes:
        if self.data is None:
            with open(self.path, "rb") as fh:
                self.data = fh.read()
        return self.data

    def blocks(self, size: int = 4 * 1024 * 1024) -> Iterator[bytes]:
        if self.data is not None:
            for i in range(0, len(self.data), size):
                yield self.data[i : i + size]
            return
        with open(self.path, "rb") as fh:
            while block := fh.read(size):
                yield block


def file_kind(src: Source, max_bytes: int | None) -> str:
    """The kind of file, "xlsx", "commerceml" (1C's XML, or a zip of it) or "csv"; a
    :class:`FileProblem` for one too large, empty, an old XLS or XML that is not CommerceML."""
    size = src.size
    if max_bytes is not None and size > max_bytes:
        raise FileProblem(M_FILE_TOO_LARGE, size=human_size(size), limit=human_size(max_bytes))
    head = src.head(8)
    if size == 0:
        raise FileProblem(M_FILE_EMPTY)
    if head.startswith(XLSX_MAGIC):
        return "commerceml" if commerceml.is_commerceml_zip(src.all_bytes()) else "xlsx"
    if head.startswith(OLE2_MAGIC):
        raise FileProblem(M_FILE_XLS)
    start = src.head(XML_SNIFF_BYTES)
    if start.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"<"):
        if commerceml.is_commerceml(start):
            return "commerceml"
        raise FileProblem(M_FILE_XML)
    return "csv"


def human_size(n: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f}".removesuffix(".0") + " " + unit
    return f"{n} B"


def text_encoding(src: Source, override: str | None) -> str:
    """The caller's encoding if Python knows it, else the one the bytes show."""
    if not override:
        return _detect_encoding(src)
    try:
        codecs.lookup(override)
    except LookupError:
        raise FileProblem(M_UNKNOWN_ENCODING, encoding=override) from None
    return override


def _detect_encoding(src: Source) -> str:
    head = src.head(SAMPLE_BYTES)
    complete = src.size <= len(head)
    if head.startswith(codecs.BOM_UTF8):
        if _valid_prefix(head, "utf-8-sig", complete):
            return "utf-8-sig"
        raise FileProblem(M_FILE_UNDECODABLE)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _looks_binary(head):
        raise FileProblem(M_FILE_BINARY)
    sample = head
    if head.isascii() and not complete:
        # the first megabyte says nothing: look at the first non-ASCII block
        sample = next((block for block in src.blocks() if not block.isascii()), head)
    if sample.isascii():
        return "utf-8"
    if sample is head and _valid_prefix(head, "utf-8", complete):
        return "utf-8"
    if sample is not head and _valid_prefix(sample.lstrip(bytes(range(0x80, 0xC0))), "utf-8", False):
        return "utf-8"
    if _mostly_utf8(sample, whole=sample is head and complete):
        return "utf-8"  # the few lines in another encoding are row errors (csv_reader)
    enc = _guess_single_byte(sample)
    if _valid_prefix(sample, enc, False):
        return enc
    other = "cp1252" if enc == "cp1251" else "cp1251"
    if _valid_prefix(sample, other, False):
        return other
    raise FileProblem(M_FILE_UNDECODABLE)


def _mostly_utf8(sample: bytes, *, whole: bool) -> bool:
    """Whether most lines with non-ASCII bytes are UTF-8 (a UTF-8 file with a line pasted in
    windows-1251 is a UTF-8 file with a bad line, not a windows-1251 file)."""
    lines = sample.split(b"\n")
    if not whole:
        lines = lines[1:-1]  # a block may start and end inside a line
    good = bad = 0
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    return good > bad


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    ctrl = sum(sample.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13))
    ctrl += sample.count(b"\x7f")
    return ctrl > max(2, len(sample) // 100)


def _valid_prefix(sample: bytes, encoding: str, complete: bool) -> bool:
    try:
        dec = codecs.getincrementaldecoder(encoding)("strict")
        dec.decode(sample, final=complete)
        return True
    except UnicodeDecodeError:
        return False


_CYR_RE = re.compile(r"[\u0400-\u04ff]")
_LAT_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_WORD_RE = re.compile(r"[^\W\d_]{2,}")


def _guess_single_byte(sample: bytes) -> str:
    """cp1251 when the high bytes form Cyrillic words, cp1252 otherwise."""
    text = sample.decode("cp1251", errors="replace")
    cyr_words = mixed = 0
    for w in _WORD_RE.findall(text):
        has_cyr = bool(_CYR_RE.search(w))
        has_lat = bool(_LAT_RE.search(w))
        if has_cyr and not has_lat:
            cyr_words += 1
        elif has_cyr and has_lat:
            mixed += 1
    return "cp1251" if cyr_words > mixed else "cp1252"
