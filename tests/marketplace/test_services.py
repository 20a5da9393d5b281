import pytest
from django.core.exceptions import ValidationError

from marketplace import services
from marketplace.models import ApiKey, Organization, Partnership, PartnershipStatus
from tests.factories import acting


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("ООО «СтальПром»", "ooo-stalprom"),
        ("Công ty TNHH Thép Việt", "cong-ty-tnhh-thep-viet"),
        ("Atlas Fasteners GmbH", "atlas-fasteners-gmbh"),
        ("«»", "org"),
    ],
)
def test_it_makes_ascii_slugs_from_any_name(name, slug):
    assert services.slug_from_name(name) == slug


def test_it_keeps_slugs_unique(db):
    first = services.organization_create(name="Acme", kind="buyer")
    second = services.organization_create(name="Acme", kind="supplier")
    assert (first.slug, second.slug) == ("acme", "acme-2")


def test_it_refuses_a_taken_slug_and_a_wrong_kind(db):
    services.organization_create(name="Acme", kind="buyer", slug="acme")
    with pytest.raises(ValidationError):
        services.organization_create(name="Acme 2", kind="buyer", slug="acme")
    with pytest.raises(ValidationError):
        services.organization_create(name="Acme 3", kind="vendor")
    assert Organization.objects.count() == 1


def test_it_walks_the_onboarding_pipeline_and_records_each_step(buyer, alice):
    supplier = services.organization_create(name="New Steel", kind="supplier")
    partnership = services.partnership_apply(
        supplier=supplier, buyer=buyer, actor=acting(supplier), message="We sell steel"
    )
    for step in ["business_review", "technical_review", "integration", "active"]:
        partnership = services.partnership_move(
            partnership=partnership, to=step, actor=acting(alice), team="legal", note=step
        )
    assert partnership.status == PartnershipStatus.ACTIVE
    assert partnership.active_since is not None
    history = list(partnership.events.values_list("from_status", "to_status"))
    assert history == [
        ("", "applied"),
        ("applied", "business_review"),
        ("business_review", "technical_review"),
        ("technical_review", "integration"),
        ("integration", "active"),
    ]
    assert partnership.events.last().actor == alice


def test_it_refuses_a_skipped_onboarding_step(buyer):
    supplier = services.organization_create(name="New Steel", kind="supplier")
    partnership = services.partnership_apply(supplier=supplier, buyer=buyer, actor=acting(supplier))
    with pytest.raises(ValidationError, match="Allowed now: Business review, Rejected"):
        services.partnership_move(partnership=partnership, to="active", actor=acting(buyer))
    partnership.refresh_from_db()
    assert partnership.status == "applied"


def test_it_refuses_to_connect_two_buyers(buyer, outsider_buyer):
    with pytest.raises(ValidationError):
        services.partnership_connect(buyer=buyer, supplier=outsider_buyer)
    assert not Partnership.objects.filter(supplier=outsider_buyer).exists()


def test_it_stores_api_keys_only_as_hashes(buyer):
    api_key, raw = services.api_key_issue(organization=buyer, name="ERP")
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert raw not in (stored.key_hash, stored.lookup, stored.name)
    assert raw.startswith("mk_") and len(raw) > 40
    assert services.api_key_authenticate(raw) == stored
    assert services.api_key_authenticate(raw + "x") is None
    services.api_key_revoke(api_key=stored)
    assert services.api_key_authenticate(raw) is None
