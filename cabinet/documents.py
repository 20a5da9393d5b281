"""What an uploaded file really is, judged by its bytes rather than its name.

Accepted: PDF, PNG, JPEG, GIF, WEBP, Office Open XML (docx/xlsx/pptx, checked down to
``[Content_Types].xml`` inside the zip), OpenDocument, the old OLE2 office formats (doc/xls/ppt)
and XML. Anything else — an executable renamed ``.pdf`` included — is refused.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: frozenset[str]
    label: str


PDF = Kind("application/pdf", frozenset({"pdf"}), "PDF")
PNG = Kind("image/png", frozenset({"png"}), "PNG")
JPEG = Kind("image/jpeg", frozenset({"jpg", "jpeg", "jpe"}), "JPEG")
GIF = Kind("image/gif", frozenset({"gif"}), "GIF")
WEBP = Kind("image/webp", frozenset({"webp"}), "WEBP")
XML = Kind("application/xml", frozenset({"xml"}), "XML")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", frozenset({"docx"}), "DOCX")
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", frozenset({"xlsx", "xlsm"}), "XLSX")
PPTX = Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", frozenset({"pptx"}), "PPTX")
ODF = Kind("application/vnd.oasis.opendocument", frozenset({"odt", "ods", "odp"}), "OpenDocument")
OLE_TYPES = {
    "doc": Kind("application/msword", frozenset({"doc"}), "DOC"),
    "xls": Kind("application/vnd.ms-excel", frozenset({"xls"}), "XLS"),
    "ppt": Kind("application/vnd.ms-powerpoint", frozenset({"ppt"}), "PPT"),
}
OLE_GENERIC = Kind("application/x-ole-storage", frozenset({"doc", "xls", "ppt"}), "MS Office")

ACCEPTED_HINT = "PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, ODT, ODS, DOC, XLS, XML"


def max_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower().lstrip(".")


# OpenDocument kinds by the exact text of their ``mimetype`` entry; anything else is refused.
ODF_TYPES = {
    name: Kind(name, ODF.extensions, ODF.label)
    for name in (
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    )
}
# A zip is looked into with bounded reads: an archive may claim any size for its entries.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_INFLATED = 200 * 1024 * 1024
MIMETYPE_MAX_BYTES = 100


def _zip_kind(upload) -> Kind | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > ZIP_MAX_ENTRIES or sum(e.file_size for e in entries) > ZIP_MAX_INFLATED:
                return None
            names = {e.filename for e in entries}
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
                if any(n.startswith("ppt/") for n in names):
                    return PPTX
                return None
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    # one byte more than any allowed type: a longer entry is no match and is never inflated whole
                    mimetype = entry.read(MIMETYPE_MAX_BYTES + 1).decode("ascii", "replace")
                return ODF_TYPES.get(mimetype)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, ValueError, EOFError, NotImplementedError):
        return None
    finally:
        upload.seek(0)
    return None


ALLOWED_CONTENT_TYPES = frozenset(
    {kind.content_type for kind in (PDF, PNG, JPEG, GIF, WEBP, XML, DOCX, XLSX, PPTX, OLE_GENERIC, *OLE_TYPES.values())}
    | set(ODF_TYPES)
)


def served_content_type(stored: str) -> str:
    """The Content-Type a download is served with: the stored one when it is one of ours, else a
    neutral one (documents stored before the allow-list may carry whatever their bytes said)."""
    return stored if stored in ALLOWED_CONTENT_TYPES else "application/octet-stream"


def sniff(upload) -> Kind | None:
    """The kind of the file by its first bytes (and, for zips, by what is inside)."""
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    if head.startswith(OLE2):
        return OLE_TYPES.get(_extension(getattr(upload, "name", "")), OLE_GENERIC)
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<?xml") or head.startswith((b"\xff\xfe<\x00?\x00x\x00m\x00l", b"\xfe\xff\x00<\x00?\x00x")):
        return XML
    return None


def validate_upload(upload) -> Kind:
    """The file's kind, or a ValidationError saying in words what is wrong with it."""
    name = os.path.basename(getattr(upload, "name", "") or "file")
    limit = max_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name})
    kind = sniff(upload)
    if kind is None:
        raise ValidationError(
            _("“%(name)s” is not a document we accept (its content is not one of: %(kinds)s).")
            % {"name": name, "kinds": ACCEPTED_HINT}
        )
    extension = _extension(name)
    if extension and extension not in kind.extensions:
        raise ValidationError(
            _("“%(name)s” is named .%(ext)s but its content is %(kind)s.")
            % {"name": name, "ext": extension, "kind": kind.label}
        )
    return kind
