"""Finding 4 of issue 10: zip documents are checked with bounded reads; served types come from our list."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cabinet import documents


def _odt(mimetype: bytes, extra: dict | None = None, name: str = "letter.odt") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_DEFLATED)
        for entry, data in (extra or {}).items():
            archive.writestr(entry, data)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_it_accepts_a_real_odt():
    assert documents.validate_upload(_odt(b"application/vnd.oasis.opendocument.text")).content_type == (
        "application/vnd.oasis.opendocument.text"
    )


@pytest.mark.parametrize(
    "mimetype",
    [
        b"application/vnd.oasis.opendocument.text\r\nX-Evil: 1",
        b"application/vnd.oasis.opendocument.text\nContent-Type: text/html",
        b"application/vnd.oasis.opendocument.textual-html",
    ],
)
def test_it_refuses_an_odt_whose_mimetype_is_not_ours(mimetype):
    with pytest.raises(ValidationError):
        documents.validate_upload(_odt(mimetype))


def test_it_refuses_a_zip_bomb_without_inflating_it(monkeypatch):
    bomb = _odt(b"application/vnd.oasis.opendocument.text" + b" " * (50 * 1024 * 1024))
    assert bomb.size < 1024 * 1024
    with pytest.raises(ValidationError):
        documents.validate_upload(bomb)

    def never(*args, **kwargs):
        raise AssertionError("the whole entry was read")

    monkeypatch.setattr(zipfile.ZipFile, "read", never)
    monkeypatch.setattr(documents, "ZIP_MAX_INFLATED", 10**12)
    with pytest.raises(ValidationError):  # even without the size ceiling: a bounded read of the mimetype
        documents.validate_upload(bomb)


@pytest.mark.parametrize(
    ("stored", "served"),
    [
        ("application/pdf", "application/pdf"),
        ("application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.text"),
        ("application/vnd.oasis.opendocument.text\r\nX-Evil: 1", "application/octet-stream"),
        ("text/html", "application/octet-stream"),
    ],
)
def test_it_serves_only_content_types_from_the_allow_list(stored, served):
    assert documents.served_content_type(stored) == served


def test_it_downloads_a_document_stored_with_a_broken_type(login, buyer, supplier, alice):
    from cabinet import services
    from tests.cabinet import factories as f
    from tests.factories import acting

    order = f.order(buyer, supplier)
    [document] = services.documents_attach(uploads=[f.pdf()], actor=acting(alice, buyer), order=order)
    type(document).objects.filter(pk=document.pk).update(content_type="text/html\r\nX-Evil: 1")
    response = login(alice).get(f"/cabinet/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
