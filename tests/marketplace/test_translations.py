"""Places found in English on Russian and Vietnamese pages (issue 12, defect 6)."""

import pytest
from django.urls import reverse

from tests.cabinet import factories as f

pytestmark = pytest.mark.django_db


def _page(client, url: str, language: str) -> str:
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


@pytest.mark.parametrize(("language", "hint"), [("ru", "Допустимые форматы: PDF"), ("vi", "Chấp nhận: PDF")])
def test_it_translates_the_hint_under_every_upload_field(login, alice, supplier, language, hint):
    page = _page(login(alice), reverse("cabinet:rfq_create"), language)
    assert hint in page and "Accepted: PDF" not in page


@pytest.mark.parametrize(
    ("language", "choice"), [("ru", "Windows-1251 (кириллица)"), ("vi", "Windows-1251 (chữ Kirin)")]
)
def test_it_translates_the_encoding_choices_of_the_upload_form(login, sam, language, choice):
    page = _page(login(sam), reverse("pricing:upload"), language)
    assert choice in page and "(Cyrillic)" not in page


def test_it_translates_the_security_page_into_vietnamese(login, sam):
    page = _page(login(sam), reverse("mfa_index"), "vi")
    assert "Xác thực hai lớp" in page and "Ứng dụng xác thực" in page
    assert "Authenticator App" not in page and "Recovery Codes" not in page


def test_it_translates_the_pagination_into_vietnamese(login, alice, buyer, supplier):
    for _ in range(26):
        f.rfq(buyer, [supplier], n_lines=1)
    page = _page(login(alice), reverse("cabinet:rfq_list"), "vi")
    link = page.split('class="next"')[1][:300]
    assert "sau" in link and "next" not in link
