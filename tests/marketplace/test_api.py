import pytest
from rest_framework.test import APIClient

from marketplace.services import api_key_issue, api_key_revoke


def test_it_tells_the_key_its_organization(api, buyer):
    response = api(buyer).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {"organization": {"slug": "acme", "name": "Acme Buying", "kind": "buyer"}}


def test_it_stamps_the_last_use(buyer):
    api_key, raw = api_key_issue(organization=buyer, name="ERP")
    assert api_key.last_used_at is None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get("/api/v1/me/")
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer mk_000000000000_nope", "Bearer ", "Bearer garbage", "Bearer mk_x"])
def test_it_answers_401_with_a_message_to_a_wrong_key(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"]


def test_it_answers_401_to_a_revoked_key(buyer):
    api_key, raw = api_key_issue(organization=buyer, name="old")
    api_key_revoke(api_key=api_key)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked API key."}


def test_it_answers_401_without_credentials(db):
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_it_lets_a_browser_session_read_but_not_write(client, alice):
    client.force_login(alice)
    assert client.get("/api/v1/me/").json()["organization"]["slug"] == "acme"
    assert client.post("/api/v1/me/", {}, content_type="application/json").status_code in (401, 403)


def test_it_follows_the_active_organization_of_the_session(client, alice, supplier):
    from marketplace.models import Membership

    Membership.objects.create(user=alice, organization=supplier, role="admin")
    client.force_login(alice)
    client.post("/organizations/switch/", {"organization": supplier.pk})
    assert client.get("/api/v1/me/").json()["organization"]["slug"] == "steel-works"


def test_it_answers_405_with_json(api, buyer):
    response = api(buyer).delete("/api/v1/me/")
    assert response.status_code == 405
    assert "detail" in response.json()


def test_it_answers_malformed_json_with_400(api, buyer):
    response = api(buyer).post("/api/v1/me/", "{not json", content_type="application/json")
    assert response.status_code in (400, 405)
    assert "detail" in response.json()


def test_it_publishes_the_schema_and_docs(client, db):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/me/" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200
