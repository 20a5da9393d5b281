"""Pages and API of the ratings: happy paths, isolation (404), roles (403), bad input refused."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cabinet import services as cabinet
from marketplace.models import PartnerOverride, Partnership
from ratings import compute, services
from ratings.models import Dispute, RatingSettings, SupplierScore, TrustMark
from tests import factories
from tests.cabinet import factories as f
from tests.ratings.helpers import actor


def test_it_shows_the_leaderboard_with_a_constant_query_count(
    login, mary, buyer, supplier, supplier2, django_assert_max_num_queries
):
    compute.scores_recompute(buyer=buyer)
    client = login(mary)
    with django_assert_max_num_queries(14):
        small = client.get(reverse("ratings:board"))
    for i in range(20):
        factories.PartnershipFactory(buyer=buyer, supplier=factories.SupplierFactory(slug=f"s-{i}"))
    compute.scores_recompute(buyer=buyer)
    with django_assert_max_num_queries(14):
        big = client.get(reverse("ratings:board") + "?sort=-price")
    assert small.status_code == big.status_code == 200
    assert b"Steel Works" in big.content and big.content.count(b"data-supplier=") == 22
    export = client.get(reverse("ratings:board") + "?_export=csv&band=caution")
    assert export.status_code == 200 and b"Score" in export.content


@pytest.mark.django_db(transaction=True)
def test_it_reorders_the_board_when_weights_change(api, buyer, supplier, supplier2):
    f.order(buyer, supplier, state="completed")
    Partnership.objects.filter(supplier=supplier2).update(active_since="2020-01-01")
    client = api(buyer)
    all_zero_but = dict.fromkeys(["orders", "volume", "complaints", "delivery", "price", "tenure", "trust"], 0)
    assert client.put("/api/v1/ratings/weights/", {**all_zero_but, "orders": 1}, format="json").status_code == 200
    first = client.get("/api/v1/ratings/").json()["results"]
    assert [r["supplier"] for r in first] == ["steel-works", "bolt-house"]
    assert set(first[0]["criteria"]) == set(all_zero_but) and first[0]["rank"] == 1
    client.put("/api/v1/ratings/weights/", {"orders": 0, "tenure": 1}, format="json")
    assert client.get("/api/v1/ratings/").json()["results"][0]["supplier"] == "bolt-house"


@pytest.mark.parametrize(
    "body",
    [
        {"orders": -1},
        {"orders": "heavy"},
        {"orders": None},
        {"speed": 1},
        dict.fromkeys(["orders", "volume", "complaints", "delivery", "price", "tenure", "trust"], 0),
        [1, 2],
    ],
)
def test_it_refuses_bad_weights_and_changes_nothing(api, buyer, body):
    before = RatingSettings.objects.get_or_create(buyer=buyer)[0].weights()
    response = api(buyer).put("/api/v1/ratings/weights/", body, format="json")
    assert response.status_code == 400 and response.json()
    assert RatingSettings.objects.get(buyer=buyer).weights() == before


@pytest.mark.parametrize("body", [{"score": 11, "comment": "x"}, {"score": -1, "comment": "x"}, {"score": 7}, {"score": "a", "comment": "x"}, {"score": 7.5, "comment": "x"}])  # fmt: skip
def test_it_refuses_bad_trust_marks(api, buyer, supplier, body):
    response = api(buyer).post("/api/v1/suppliers/steel-works/trust/", body, format="json")
    assert response.status_code == 400
    assert not TrustMark.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_records_a_trust_mark_and_recomputes(api, buyer, supplier):
    response = api(buyer).post("/api/v1/suppliers/steel-works/trust/", {"score": 9, "comment": "great"}, format="json")
    assert response.status_code == 201, response.json()
    assert SupplierScore.objects.get(supplier=supplier).details["trust_count"] == 1


def test_it_answers_404_for_a_foreign_supplier_and_a_supplier_reading_a_board(
    api, login, buyer, outsider_supplier, supplier, sam, oscar
):
    assert (
        api(buyer).post("/api/v1/suppliers/far-away/trust/", {"score": 5, "comment": "x"}, format="json").status_code
        == 404
    )
    assert api(buyer).get("/api/v1/suppliers/far-away/rating/").status_code == 404
    assert api(supplier).get("/api/v1/ratings/").status_code == 404
    assert login(sam).get(reverse("ratings:board")).status_code == 404
    assert login(oscar).get(reverse("ratings:supplier", args=["steel-works"])).status_code == 404


def test_it_requires_the_manager_role_for_marks_and_weights(login, rita, paul, buyer, supplier):
    assert (
        login(rita).post(reverse("ratings:trust_add", args=["steel-works"]), {"score": 5, "comment": "x"}).status_code
        == 403
    )
    assert login(paul).get(reverse("ratings:settings")).status_code == 403
    assert login(paul).get(reverse("ratings:top")).status_code == 200
    assert login(paul).get(reverse("ratings:settings"), REQUEST_METHOD="DELETE").status_code in (403, 405)


def test_it_explains_a_score_in_words(login, mary, buyer, supplier):
    f.order(buyer, supplier, state="disputed")
    compute.scores_recompute(buyer=buyer)
    page = login(mary).get(reverse("ratings:supplier", args=["steel-works"]))
    assert page.status_code == 200
    assert "1 complaint on 1 orders" in page.content.decode()
    assert b"uPlot.iife.min.js" in page.content


def test_it_refuses_band_limits_out_of_order(buyer):
    with pytest.raises(ValidationError):
        services.bands_set(buyer=buyer, caution_from=60, good_from=50, excellent_from=80)
    with pytest.raises(ValidationError):
        services.bands_set(buyer=buyer, caution_from=30, good_from=50, excellent_from=101)
    assert RatingSettings.objects.get_or_create(buyer=buyer)[0].good_from == 50


def test_it_blocks_a_supplier_below_the_limit_unless_overridden_with_a_reason(buyer, supplier, paul):
    for _ in range(5):
        f.order(buyer, supplier, state="completed")
    services.bands_set(buyer=buyer, caution_from=95, good_from=97, excellent_from=99)
    compute.scores_recompute(buyer=buyer)
    assert Partnership.objects.get(supplier=supplier).is_blocked
    line = [{"sku": "A", "name": "A", "quantity": 1, "price": "1"}]
    with pytest.raises(ValidationError) as refused:
        cabinet.order_create(buyer=buyer, supplier=supplier, channel="web", lines=line, actor=actor(paul, buyer))
    assert "override_reason" in refused.value.message_dict and not PartnerOverride.objects.exists()
    cabinet.order_create(
        buyer=buyer,
        supplier=supplier,
        channel="web",
        lines=line,
        actor=actor(paul, buyer),
        override_reason="only one with stock",
    )
    override = PartnerOverride.objects.get()
    assert (override.reason, override.purpose, override.user) == ("only one with stock", "order", paul)
    with pytest.raises(ValidationError):
        f.rfq(buyer, [supplier])


def test_a_newcomer_is_never_blocked(buyer, supplier):
    services.bands_set(buyer=buyer, caution_from=95, good_from=97, excellent_from=99)
    compute.scores_recompute(buyer=buyer)
    assert Partnership.objects.get(supplier=supplier).rating_band == "caution"


@pytest.mark.django_db(transaction=True)
def test_a_supplier_disputes_a_mark_and_an_upheld_answer_withdraws_it(login, buyer, supplier, sam, mary):
    mark = services.trust_mark_add(buyer=buyer, supplier=supplier, score=0, comment="rude", actor=actor(mary, buyer))
    assert login(sam).get(reverse("ratings:own", args=["acme"])).status_code == 404  # not shared yet
    services.sharing_set(buyer=buyer, share=True)
    client = login(sam)
    assert client.get(reverse("ratings:own", args=["acme"])).status_code == 200
    client.post(
        reverse("ratings:dispute_open", args=["acme"]), {"trust_mark": mark.pk, "comment": "a misunderstanding"}
    )
    dispute = Dispute.objects.get()
    assert dispute.state == "open"
    manager = login(mary)
    manager.post(reverse("ratings:dispute_answer", args=[dispute.pk]), {"answer": "agreed", "uphold": "on"})
    mark.refresh_from_db()
    assert mark.withdrawn_at is not None
    assert SupplierScore.objects.get(supplier=supplier).trust_score == 0.5


@pytest.mark.django_db(transaction=True)
def test_an_upheld_complaint_dispute_strikes_it_out(buyer, supplier, sam, mary):
    order = f.order(buyer, supplier, state="disputed")
    services.sharing_set(buyer=buyer, share=True)
    dispute = services.dispute_open(
        buyer=buyer, supplier=supplier, comment="not us", actor=actor(sam, supplier), complaint=order.complaints.get()
    )
    assert (
        SupplierScore.objects.get(supplier=supplier).details["complaints"]
        if compute.scores_recompute(buyer=buyer)
        else False
    )
    services.dispute_answer(dispute=dispute, answer="fair", uphold=True, actor=actor(mary, buyer))
    assert SupplierScore.objects.get(supplier=supplier).details["complaints"] == 0


def test_a_supplier_reads_only_its_own_shared_rating(api, buyer, supplier, supplier2):
    compute.scores_recompute(buyer=buyer)
    assert api(supplier).get("/api/v1/suppliers/steel-works/rating/?buyer=acme").status_code == 404
    services.sharing_set(buyer=buyer, share=True)
    body = api(supplier).get("/api/v1/suppliers/steel-works/rating/?buyer=acme").json()
    assert body["supplier"] == "steel-works" and set(body["criteria"]) >= {"orders", "price"} and "history" in body
    assert api(supplier).get("/api/v1/suppliers/bolt-house/rating/?buyer=acme").status_code == 404


def test_top_contractors_lead_to_a_request_with_them(login, paul, buyer, supplier, supplier2):
    category = factories.CategoryFactory(buyer=buyer, name="Steel")
    Partnership.objects.get(supplier=supplier).categories.add(category)
    compute.scores_recompute(buyer=buyer)
    page = login(paul).get(reverse("ratings:top") + f"?category={category.pk}&n=5")
    assert page.context["chosen"][0].supplier == supplier and len(page.context["chosen"]) == 1
    assert page.context["rfq_url"].endswith("?suppliers=steel-works")
    form = login(paul).get(page.context["rfq_url"]).context["form"]
    assert form.initial["suppliers"] == [supplier.pk]


def test_a_categorys_top_five_go_to_an_auction_with_them_invited(login, paul, buyer, supplier, supplier2):
    from auctions.models import Auction
    from tests.auctions.test_views import _form

    category = factories.CategoryFactory(buyer=buyer, name="Steel")
    others = [factories.SupplierFactory(slug=f"mill-{n}") for n in range(4)]
    for other in others:
        factories.PartnershipFactory(buyer=buyer, supplier=other)
    for partnership in Partnership.objects.filter(buyer=buyer):
        partnership.categories.add(category)
    compute.scores_recompute(buyer=buyer)
    client = login(paul)
    page = client.get(reverse("ratings:top") + f"?category={category.pk}&n=5")
    top = [line.supplier for line in page.context["chosen"]]
    assert len(top) == 5
    url = page.context["auction_url"]
    assert url == reverse("auctions:create") + "?suppliers=" + ",".join(s.slug for s in top)
    assert 'id="to-auction"' in page.content.decode()

    form = client.get(url + ",olgas-mill,nobody").context["form"]  # strangers are not preselected
    assert sorted(form.initial["suppliers"]) == sorted(s.pk for s in top)
    html = str(form["suppliers"])
    assert all(re.search(rf'value="{s.pk}"[^>]*selected', html) for s in top)  # a picker (a select)
    assert len(re.findall(r"selected", html)) == 5

    response = client.post(reverse("auctions:create"), _form(top, title="Rebar for block D"))
    assert response.status_code == 302
    auction = Auction.objects.get(title="Rebar for block D")
    assert auction.state == "scheduled"
    assert set(auction.invitations.values_list("supplier__slug", flat=True)) == {s.slug for s in top}


def test_a_products_top_contractors_are_those_offering_it_and_lead_to_its_auction(
    login, paul, buyer, supplier, supplier2, outsider_buyer
):
    from pricing.models import MappingSource, Product, SkuMapping

    rebar = Product.objects.create(buyer=buyer, sku="P-1", name="Rebar 12", unit="t")
    SkuMapping.objects.create(
        buyer=buyer, supplier=supplier2, supplier_sku="R-12", product=rebar, source=MappingSource.MANUAL
    )
    compute.scores_recompute(buyer=buyer)
    client = login(paul)
    page = client.get(reverse("ratings:top") + f"?product={rebar.pk}&n=5")
    assert [s.supplier for s in page.context["chosen"]] == [supplier2]  # the one whose list offers it
    assert "Rebar 12" in page.content.decode()
    url = page.context["auction_url"]
    assert url == reverse("auctions:create") + f"?suppliers={supplier2.slug}&product={rebar.pk}"
    form = client.get(url).context["form"]
    assert form.initial["product"] == rebar.pk and form.initial["suppliers"] == [supplier2.pk]

    theirs = Product.objects.create(buyer=outsider_buyer, sku="P-1", name="Theirs")
    refused = client.get(reverse("ratings:top") + f"?product={theirs.pk}")
    assert refused.status_code == 200 and refused.context["chosen"] == []
    assert "Choose a product of your catalog." in refused.content.decode()
    assert "product" not in client.get(reverse("auctions:create") + f"?product={theirs.pk}").context["form"].initial
    assert client.get(reverse("auctions:create") + "?product=abc").status_code == 200


def _settings_post(**changes) -> dict:
    data = {
        f"weight_{name}": "1" for name in ("orders", "volume", "complaints", "delivery", "price", "tenure", "trust")
    }
    data.update(caution_from="30", good_from="50", excellent_from="80", half_life_days="180", orders_reference="50")
    data.update(volume_cap="10000000", currency="RUB", max_complaint_rate="10", prior_orders="20")
    data.update(new_below_orders="5", tenure_cap_months="36")
    data.update(changes)
    return data


def test_the_buyer_sets_the_reference_points_and_the_scores_follow(
    login, mary, buyer, supplier, django_capture_on_commit_callbacks
):
    Partnership.objects.filter(supplier=supplier).update(active_since="2026-01-01")
    f.order(buyer, supplier, state="completed")
    compute.scores_recompute(buyer=buyer)
    before = SupplierScore.objects.get(supplier=supplier)
    client = login(mary)
    page = client.get(reverse("ratings:settings")).content.decode()
    assert 'name="half_life_days" value="180"' in page and 'name="max_complaint_rate" value="10"' in page
    assert 'name="volume_cap" value="10000000"' in page

    changes = dict(half_life_days="30", orders_reference="1", tenure_cap_months="6", max_complaint_rate="2.5")
    changes.update(volume_cap="1 000", currency="usd", prior_orders="5", new_below_orders="0", weight_price="2")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ratings:settings"), _settings_post(**changes))
    assert response.status_code == 302
    rating = RatingSettings.objects.get(buyer=buyer)
    assert (rating.half_life_days, rating.orders_reference, rating.tenure_cap_months) == (30, 1, 6)
    assert rating.max_complaint_rate == Decimal("0.025") and rating.volume_cap == Decimal("1000")
    assert (rating.currency, rating.prior_orders, rating.new_below_orders) == ("USD", 5, 0)
    after = SupplierScore.objects.get(supplier=supplier)  # recomputed with them
    assert after.tenure_score == 1.0 > before.tenure_score
    assert after.orders_score == pytest.approx(1.0, abs=1e-6) and before.orders_score < 0.1
    assert after.is_new is False and before.is_new is True and after.volume_value == 0  # its order was in RUB
    assert 'name="max_complaint_rate" value="2.5"' in client.get(reverse("ratings:settings")).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("half_life_days", "0", "A whole number from 1 to 3650."),
        ("half_life_days", "1.5", "A whole number from 1 to 3650."),
        ("orders_reference", "lots", "A whole number from 1 to 100000."),
        ("prior_orders", "-3", "A whole number from 1 to 1000."),
        ("tenure_cap_months", "", "This field is required."),
        ("volume_cap", "0", "The volume for full marks is an amount above zero"),
        ("volume_cap", "1e400", "The volume for full marks is an amount above zero"),
        ("max_complaint_rate", "150", "at most 100 %"),
        ("max_complaint_rate", "abc", "at most 100 %"),
        ("max_complaint_rate", "0.01", "at most 100 %"),
        ("currency", "RUBLES", ""),
    ],
)
def test_it_refuses_bad_reference_points_and_saves_nothing_of_the_form(login, mary, buyer, field, value, message):
    RatingSettings.objects.get_or_create(buyer=buyer)
    before = RatingSettings.objects.filter(buyer=buyer).values().get()
    response = login(mary).post(reverse("ratings:settings"), _settings_post(weight_orders="7", **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert message in " ".join(response.context["form"].errors[field])
    assert RatingSettings.objects.filter(buyer=buyer).values().get() == before  # not even the weight


def test_the_reference_points_service_refuses_an_unknown_setting(buyer):
    with pytest.raises(ValidationError) as refused:
        services.reference_points_set(buyer=buyer, speed=3)
    assert "speed" in refused.value.message_dict


def test_the_boards_fast_body_is_the_generic_rendering_byte_for_byte(login, mary, buyer, supplier, supplier2):
    """``LeaderboardTable.tbody`` replaces django-tables2's cell loop: the same markup, nothing lost
    (links, bands, the "new" tag, trends with and without a snapshot, escaping)."""
    from django.template.loader import get_template

    from ratings.models import ScoreSnapshot

    supplier.name = 'Steel & "Sons" <Works>'
    supplier.save()
    for _ in range(6):
        f.order(buyer, supplier2, state="completed")
    compute.scores_recompute(buyer=buyer)
    ScoreSnapshot.objects.create(buyer=buyer, supplier=supplier2, month="2026-01-01", score=40, band="caution")
    compute.scores_recompute(buyer=buyer)
    for sort in ("", "?sort=-price", "?sort=trend"):
        response = login(mary).get(reverse("ratings:board") + sort)
        table = response.context["table"]
        generic = get_template("django_tables2/table.html").render({"table": table, "request": response.wsgi_request})
        body = re.search(r"<tbody[^>]*>(.*)</tbody>", generic, re.S).group(1)
        fast = str(table.tbody())
        assert re.sub(r">\s*\n\s*<", "><", body.strip()) == fast  # the template's line breaks aside
        assert fast in response.content.decode()
        assert "Steel &amp; &quot;Sons&quot; &lt;Works&gt;" in fast and "band-" in fast and "+" in fast
