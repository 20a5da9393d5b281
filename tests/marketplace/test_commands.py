import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from marketplace.models import ApiKey, Organization, Partnership
from marketplace.services import api_key_authenticate


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_creates_an_organization_with_a_verified_owner(db):
    out = run(
        "create_organization",
        "--kind",
        "buyer",
        "--name",
        "АО «УралСтрой»",
        "--owner-email",
        "Boss@Ural.test",
        "--owner-password",
        "s3cret-pass",
    )
    assert out.strip().splitlines()[-1] == "ao-uralstroy"
    organization = Organization.objects.get(slug="ao-uralstroy")
    assert organization.kind == "buyer"
    owner = organization.memberships.get().user
    assert owner.email == "boss@ural.test" and owner.check_password("s3cret-pass")
    assert EmailAddress.objects.get(user=owner).verified


def test_it_takes_the_given_slug(db):
    assert (
        run(
            "create_organization", "--kind", "supplier", "--name", "X", "--slug", "x-co", "--owner-email", "x@x.test"
        ).strip()
        == "x-co"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "vendor", "--name", "A", "--owner-email", "a@a.test"], "Unknown kind"),
        (["--kind", "buyer", "--name", "A", "--owner-email", "not-an-email"], "not a valid email"),
        (["--kind", "buyer", "--name", "A", "--slug", "Bad Slug", "--owner-email", "a@a.test"], "not a valid slug"),
        (["--kind", "buyer", "--name", "A", "--slug", "taken", "--owner-email", "a@a.test"], "already taken"),
        (["--kind", "buyer", "--name", "  ", "--owner-email", "a@a.test"], "name"),
    ],
)
def test_it_refuses_bad_organizations_and_changes_nothing(db, args, message):
    Organization.objects.create(name="Taken", slug="taken", kind="buyer")
    with pytest.raises(CommandError, match=message) as error:
        call_command("create_organization", *args)
    assert "\n" not in str(error.value)
    assert Organization.objects.count() == 1
    assert not EmailAddress.objects.filter(email="a@a.test").exists()


def test_it_connects_a_supplier_with_backdated_tenure_and_categories(buyer, outsider_supplier):
    run(
        "connect_supplier",
        "--buyer",
        "acme",
        "--supplier",
        "far-away",
        "--since",
        "2021-03-01",
        "--category",
        "Steel",
        "--category",
        "Bolts",
    )
    partnership = Partnership.objects.get(buyer=buyer, supplier=outsider_supplier)
    assert partnership.status == "active"
    assert str(partnership.active_since) == "2021-03-01"
    assert sorted(partnership.categories.values_list("name", flat=True)) == ["Bolts", "Steel"]
    run("connect_supplier", "--buyer", "acme", "--supplier", "far-away")  # again: still one, tenure kept
    partnership.refresh_from_db()
    assert str(partnership.active_since) == "2021-03-01"
    assert Partnership.objects.filter(buyer=buyer, supplier=outsider_supplier).count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--buyer", "nope", "--supplier", "far-away"], "Unknown organization slug “nope”"),
        (["--buyer", "acme", "--supplier", "nope"], "Unknown organization slug “nope”"),
        (["--buyer", "far-away", "--supplier", "acme"], "is a supplier, not a buyer"),
        (["--buyer", "acme", "--supplier", "far-away", "--since", "2021-02-31"], "not a date"),
    ],
)
def test_it_refuses_bad_connections(buyer, outsider_supplier, args, message):
    before = Partnership.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("connect_supplier", *args)
    assert Partnership.objects.count() == before


def test_it_issues_a_working_api_key(buyer):
    out = run("issue_api_key", "--org", "acme", "--name", "ERP")
    key = out.strip().splitlines()[-1]
    api_key = api_key_authenticate(key)
    assert api_key.organization == buyer and api_key.name == "ERP"
    with pytest.raises(CommandError, match="Unknown organization slug"):
        call_command("issue_api_key", "--org", "missing")
    assert ApiKey.objects.count() == 1


def test_it_seeds_the_demo_once(db):
    from django.apps import apps

    first = run("seed_demo")
    assert "buyer@uralstroy.demo" in first and "demo-pass-2026" in first
    counts = {m._meta.label: m.objects.count() for m in apps.get_models()}
    assert counts["marketplace.Organization"] >= 32
    assert Organization.objects.suppliers().count() >= 30
    run("seed_demo")
    assert {m._meta.label: m.objects.count() for m in apps.get_models()} == counts
