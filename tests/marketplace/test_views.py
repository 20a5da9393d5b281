import pytest
from django.core import mail
from django.urls import reverse

from marketplace.models import ApiKey, Invitation, Membership, Notification, Partnership, PartnershipStatus
from marketplace.services import api_key_authenticate, partnership_apply
from tests import factories
from tests.factories import acting


@pytest.fixture
def applicant(buyer):
    supplier = factories.SupplierFactory(name="Applicant Steel", slug="applicant")
    return partnership_apply(supplier=supplier, buyer=buyer, actor=acting(supplier), message="We roll steel")


# One row per view: (url name, kwargs factory, method, who may, who is refused with 403)
def test_it_shows_the_landing_page_to_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Log in" in response.content


def test_it_sends_a_person_without_organization_to_create_one(client, db):
    user = factories.UserFactory()
    client.force_login(user)
    assert client.get("/").url == reverse("organization_create")
    response = client.post(reverse("organization_create"), {"name": "ООО «Новая»", "kind": "supplier"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert membership.role == "owner" and membership.organization.slug == "ooo-novaya"
    assert client.get("/").status_code == 200


def test_it_shows_errors_next_to_the_field(client, db):
    client.force_login(factories.UserFactory())
    response = client.post(reverse("organization_create"), {"name": "", "kind": "vendor"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "kind"}


def test_it_switches_the_active_organization(client, alice, supplier):
    Membership.objects.create(user=alice, organization=supplier, role="admin")
    client.force_login(alice)
    response = client.post(reverse("organization_switch"), {"organization": supplier.pk, "next": "/buyers/"})
    assert response.url == "/buyers/"
    assert client.get("/buyers/").status_code == 200
    assert client.get("/partners/").status_code == 403
    client.post(
        reverse("organization_switch"),
        {"organization": Membership.objects.get(user=alice, organization__slug="acme").organization_id},
    )
    assert client.get("/partners/").status_code == 200
    assert client.get("/").context["organization"].slug == "acme"


def test_it_refuses_to_switch_into_a_foreign_organization(client, alice, outsider_buyer):
    client.force_login(alice)
    response = client.post(reverse("organization_switch"), {"organization": outsider_buyer.pk})
    assert response.status_code == 404
    assert client.get("/").context["organization"].slug == "acme"


def test_it_ignores_an_offsite_next_url(client, alice, buyer):
    client.force_login(alice)
    response = client.post(reverse("organization_switch"), {"organization": buyer.pk, "next": "https://evil.test/"})
    assert response.url == "/"


def test_it_lists_suppliers_with_filters_and_export(client, alice, supplier, supplier2, applicant):
    client.force_login(alice)
    response = client.get("/partners/?status=active")
    assert response.status_code == 200
    names = [row.record.supplier.name for row in response.context["table"].rows]
    assert names == ["Bolt House", "Steel Works"]
    export = client.get("/partners/?_export=csv")
    assert export["Content-Type"].startswith("text/csv")
    assert "Applicant Steel" in export.content.decode()


def test_it_keeps_the_supplier_list_query_count_flat(client, alice, buyer, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    factories.PartnershipFactory(buyer=buyer)
    client.get("/partners/")  # the first request of a session also writes the session
    with CaptureQueriesContext(connection) as few:
        client.get("/partners/")
    for _ in range(20):
        category = factories.CategoryFactory(buyer=buyer)
        factories.PartnershipFactory(buyer=buyer).categories.add(category)
    with django_assert_max_num_queries(16), CaptureQueriesContext(connection) as many:
        client.get("/partners/")
    assert len(many) == len(few)


def test_it_moves_a_partnership_through_onboarding(client, alice, applicant):
    client.force_login(alice)
    url = reverse("partners:move", kwargs={"pk": applicant.pk})
    response = client.post(url, {"to": "business_review", "team": "legal", "note": "Contract signed"})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == "business_review"
    event = applicant.events.last()
    assert (event.actor, event.team, event.note) == (alice, "legal", "Contract signed")
    page = client.get(reverse("partners:detail", kwargs={"pk": applicant.pk}))
    assert "Contract signed" in page.content.decode()


def test_it_refuses_a_skipped_step_with_the_allowed_moves(client, alice, applicant):
    client.force_login(alice)
    response = client.post(reverse("partners:move", kwargs={"pk": applicant.pk}), {"to": "active"}, follow=True)
    applicant.refresh_from_db()
    assert applicant.status == "applied"
    assert "Allowed: Business review, Rejected" in response.content.decode()


def test_it_lets_a_supplier_apply_to_a_buyer(client, db):
    buyer = factories.BuyerFactory(name="Big Buyer", slug="big")
    supplier = factories.SupplierFactory()
    user = factories.member(supplier)
    client.force_login(user)
    response = client.post(reverse("buyer_apply"), {"buyer": buyer.pk, "message": "Cement"})
    assert response.status_code == 302
    partnership = Partnership.objects.get(buyer=buyer, supplier=supplier)
    assert partnership.status == PartnershipStatus.APPLIED and partnership.message == "Cement"
    # a second application while the first is open is refused
    client.post(reverse("buyer_apply"), {"buyer": buyer.pk})
    assert Partnership.objects.filter(buyer=buyer, supplier=supplier).count() == 1


def test_it_issues_shows_once_and_revokes_api_keys(client, alice, buyer):
    client.force_login(alice)
    response = client.post(reverse("api_key_create"), {"name": "ERP"})
    key = response.context["key"]
    assert key in response.content.decode()
    api_key = ApiKey.objects.get(organization=buyer)
    assert api_key.key_hash != key and key not in api_key.key_hash
    settings_page = client.get(reverse("organization_settings")).content.decode()
    assert key not in settings_page and f"mk_{api_key.lookup}_" in settings_page
    assert api_key_authenticate(key) == api_key
    client.post(reverse("api_key_revoke", kwargs={"pk": api_key.pk}))
    assert api_key_authenticate(key) is None


def test_it_adds_members_and_changes_roles(client, alice, buyer):
    client.force_login(alice)
    client.post(reverse("member_add"), {"email": "newbie@acme.test", "role": "procurement"})
    membership = Membership.objects.get(user__email="newbie@acme.test")
    assert membership.role == "procurement"
    assert any("newbie@acme.test" in m.to for m in mail.outbox)  # a link to choose a password
    client.post(reverse("member_update", kwargs={"pk": membership.pk}), {"role": "manager"})
    membership.refresh_from_db()
    assert membership.role == "manager"
    client.post(reverse("member_update", kwargs={"pk": membership.pk}), {"action": "remove"})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_it_keeps_the_last_owner(client, alice, buyer):
    client.force_login(alice)
    own = Membership.objects.get(user=alice)
    client.post(reverse("member_update", kwargs={"pk": own.pk}), {"role": "member"})
    client.post(reverse("member_update", kwargs={"pk": own.pk}), {"action": "remove"})
    own.refresh_from_db()
    assert own.role == "owner"


def test_it_sends_an_invitation(client, alice, buyer, django_capture_on_commit_callbacks):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("partners:invite"), {"supplier_name": "Thép Việt", "email": "Sales@Thep.test"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "sales@thep.test"
    assert len(mail.outbox) == 1 and "/invitations/" in mail.outbox[0].body


# --- the role and method matrix -------------------------------------------------------------

POSTS = {
    "partners:move": {"to": "business_review"},
    "partners:categories": {"new_category": "X"},
    "partners:invite": {"supplier_name": "X", "email": "x@x.test"},
    "member_add": {"email": "x@acme.test", "role": "member"},
    "api_key_create": {"name": "k"},
    "organization_settings": {"name": "Renamed"},
}


@pytest.mark.parametrize(
    ("name", "needs_pk", "refused"),
    [
        ("partners:move", "partnership", ["rita"]),
        ("partners:categories", "partnership", ["rita"]),
        ("partners:invite", None, ["rita"]),
        ("member_add", None, ["paul", "mary", "rita"]),
        ("api_key_create", None, ["paul", "mary", "rita"]),
        ("api_key_revoke", "api_key", ["paul", "mary", "rita"]),
        ("member_update", "membership", ["paul", "mary", "rita"]),
        ("organization_settings", None, ["paul", "mary", "rita"]),
        ("partners:invitation_revoke", "invitation", ["rita"]),
    ],
)
def test_it_requires_the_role(client, buyer, alice, paul, mary, rita, applicant, name, needs_pk, refused):
    from marketplace.services import api_key_issue, invitation_create

    objects = {
        "partnership": applicant,
        "api_key": api_key_issue(organization=buyer, name="x")[0],
        "membership": Membership.objects.get(user=rita),
        "invitation": invitation_create(buyer=buyer, email="i@i.test", supplier_name="I", actor=acting(alice))[0],
    }
    kwargs = {"pk": objects[needs_pk].pk} if needs_pk else {}
    url = reverse(name, kwargs=kwargs)
    people = {"paul": paul, "mary": mary, "rita": rita}
    for who in refused:
        client.force_login(people[who])
        assert client.post(url, POSTS.get(name, {})).status_code == 403, who
    allowed = [p for p in ("paul", "mary") if p not in refused]
    for who in [*allowed, "alice"]:
        client.force_login(people.get(who, alice))
        assert client.post(url, POSTS.get(name, {})).status_code in (200, 302), who


@pytest.mark.parametrize(
    ("name", "kind"),
    [("partners:list", "buyer"), ("partners:invite", "buyer"), ("buyers", "supplier"), ("buyer_apply", "supplier")],
)
def test_it_requires_the_organization_kind(client, alice, sam, name, kind):
    client.force_login(sam if kind == "buyer" else alice)
    method = client.get if name in ("partners:list", "buyers") else client.post
    assert method(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    ("name", "pk", "method"),
    [
        ("organization_switch", False, "get"),
        ("member_add", False, "get"),
        ("member_update", True, "get"),
        ("api_key_create", False, "get"),
        ("api_key_revoke", True, "get"),
        ("partners:invite", False, "get"),
        ("partners:move", True, "get"),
        ("partners:categories", True, "get"),
        ("partners:detail", True, "post"),
        ("home", False, "post"),
        ("buyer_apply", False, "get"),
        ("inbox_read_all", False, "get"),
    ],
)
def test_it_refuses_the_wrong_method(client, alice, applicant, name, pk, method):
    client.force_login(alice)
    url = reverse(name, kwargs={"pk": applicant.pk} if pk else {})
    assert getattr(client, method)(url).status_code == 405


def test_it_sends_anonymous_visitors_to_login(client, applicant):
    for url in ["/partners/", f"/partners/{applicant.pk}/", "/organization/", "/buyers/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


# --- the inbox ------------------------------------------------------------------------------


def test_it_counts_unread_notifications_in_the_nav_and_marks_them_read(login, supplier, sam):
    for n in (1, 2):
        Notification.objects.create(user=sam, organization=supplier, kind="order_placed", url=f"/somewhere/{n}/")
    client = login(sam)
    page = client.get(reverse("inbox")).content.decode()
    assert 'id="inbox-unread" title="unread">2<' in page
    note = Notification.objects.filter(user=sam).first()
    response = client.get(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == note.url
    assert 'title="unread">1<' in client.get(reverse("inbox")).content.decode()
    client.post(reverse("inbox_read_all"))
    assert 'id="inbox-unread"' not in client.get(reverse("inbox")).content.decode()
