"""The URL × role matrix of the cabinet: who may GET each page and POST each action."""

import pytest
from django.urls import reverse

from cabinet import services
from tests.cabinet import factories as f
from tests.factories import acting


@pytest.fixture
def objects(buyer, supplier, supplier2, alice, sam):
    rfq = f.rfq(buyer, [supplier])
    quote = f.quote(rfq, supplier)
    order = f.order(buyer, supplier, state="delivered")
    disputed = f.order(buyer, supplier, state="disputed")
    proposal = services.proposal_create(
        supplier=supplier, buyer=buyer, actor=acting(sam), sku="N", name="New", price="1"
    )
    return {
        "rfq": rfq.pk,
        "quote": quote.pk,
        "order": order.pk,
        "complaint": disputed.complaints.get().pk,
        "proposal": proposal.pk,
    }


PAGES = [
    ("cabinet:rfq_list", None),
    ("cabinet:rfq_detail", "rfq"),
    ("cabinet:order_list", None),
    ("cabinet:order_detail", "order"),
    ("cabinet:complaint_list", None),
    ("cabinet:complaint_detail", "complaint"),
    ("cabinet:proposal_list", None),
]

# (url name, object, who may, POST data)
BUYER_ACTIONS = [
    ("cabinet:rfq_create", None, {}),
    ("cabinet:rfq_cancel", "rfq", {}),
    ("cabinet:quote_accept", "quote", {}),
    ("cabinet:order_create", None, {}),
    ("cabinet:order_transition", "order", {"to": "completed"}),
    ("cabinet:order_comment", "order", {"body": "hi"}),
    ("cabinet:complaint_create", "order", {"reason": "bad"}),
    ("cabinet:complaint_resolve", "complaint", {"resolution": "accepted"}),
    ("cabinet:proposal_decide", "proposal", {"decision": "accept"}),
]


def _url(name, key, objects):
    return reverse(name, args=[objects[key]]) if key else reverse(name)


@pytest.mark.parametrize(("name", "key"), PAGES)
@pytest.mark.parametrize("who", ["alice", "rita", "mary", "sam"])
def test_it_shows_every_page_to_every_member_of_either_side(request, login, objects, name, key, who):
    response = login(request.getfixturevalue(who)).get(_url(name, key, objects))
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "key", "data"), BUYER_ACTIONS)
@pytest.mark.parametrize("who", ["rita", "mary"])
def test_it_refuses_buyer_actions_to_members_without_procure(request, login, objects, name, key, data, who):
    from cabinet.models import Comment, Complaint, Order, Proposal, RequestForQuotation

    before = (
        Order.objects.count(),
        list(Order.objects.values_list("state", flat=True)),
        Comment.objects.count(),
        Complaint.objects.filter(state="resolved").count(),
        list(Proposal.objects.values_list("state", flat=True)),
        list(RequestForQuotation.objects.values_list("state", flat=True)),
    )
    response = login(request.getfixturevalue(who)).post(_url(name, key, objects), data)
    assert response.status_code == 403
    after = (
        Order.objects.count(),
        list(Order.objects.values_list("state", flat=True)),
        Comment.objects.count(),
        Complaint.objects.filter(state="resolved").count(),
        list(Proposal.objects.values_list("state", flat=True)),
        list(RequestForQuotation.objects.values_list("state", flat=True)),
    )
    assert after == before


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("cabinet:rfq_quote", "rfq"),
        ("cabinet:rfq_decline", "rfq"),
        ("cabinet:complaint_answer", "complaint"),
        ("cabinet:proposal_create", None),
    ],
)
def test_it_refuses_supplier_actions_to_the_buyer(login, objects, alice, name, key):
    assert login(alice).post(_url(name, key, objects), {"reason": "x", "answer": "x"}).status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "cabinet:rfq_quote",
        "cabinet:rfq_decline",
        "cabinet:rfq_cancel",
        "cabinet:rfq_comment",
        "cabinet:quote_accept",
        "cabinet:complaint_answer",
        "cabinet:complaint_resolve",
        "cabinet:proposal_decide",
        "cabinet:proposal_create",
    ],
)
def test_it_answers_405_to_a_get_on_an_action(login, objects, alice, name):
    key = {
        "quote_accept": "quote",
        "complaint_answer": "complaint",
        "complaint_resolve": "complaint",
        "proposal_decide": "proposal",
    }
    short = name.split(":")[1]
    args = None if short == "proposal_create" else [objects[key.get(short, "rfq")]]
    assert login(alice).get(reverse(name, args=args)).status_code == 405


def test_it_sends_anonymous_visitors_to_the_login(client, objects):
    response = client.get(reverse("cabinet:order_detail", args=[objects["order"]]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("cabinet:order_list")).status_code == 302
