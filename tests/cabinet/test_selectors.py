"""What each organization is shown: the selectors and the models' ``visible_to``."""

from cabinet import selectors, services
from cabinet.models import Complaint, Document, Order, Proposal, Quote, RequestForQuotation
from tests.cabinet import factories as f
from tests.factories import acting


def test_it_keeps_showing_an_active_partner_its_unanswered_requests(buyer, supplier):
    rfq = f.rfq(buyer, [supplier])
    assert list(selectors.rfq_list(organization=supplier)) == [rfq]
    assert list(selectors.waiting_for(organization=supplier)["rfqs_to_answer"]) == [rfq]


def test_it_shows_each_two_sided_row_to_its_two_sides_only(buyer, supplier, supplier2, outsider_buyer, sam):
    order = f.order(buyer, supplier, state="disputed")
    rfq = f.rfq(buyer, [supplier])
    quote = f.quote(rfq, supplier)
    proposal = services.proposal_create(supplier=supplier, buyer=buyer, actor=acting(sam), sku="N", name="N", price=1)
    rows = {
        Order: order,
        Complaint: order.complaints.get(),
        Quote: quote,
        Proposal: proposal,
        RequestForQuotation: rfq,
    }
    for model, row in rows.items():
        assert list(model.objects.visible_to(buyer)) == [row], model
        assert list(model.objects.visible_to(supplier)) == [row], model
        for stranger in (supplier2, outsider_buyer, None):
            assert not model.objects.visible_to(stranger).exists(), (model, stranger)


def test_it_shows_a_requests_own_files_to_the_suppliers_it_went_to(buyer, alice, supplier, supplier2, sam):
    rfq = f.rfq(buyer, [supplier])
    spec = services.document_attach(upload=f.pdf(), actor=acting(alice), rfq=rfq)
    photo = services.document_attach(upload=f.png(), actor=acting(sam), order=f.order(buyer, supplier))
    assert set(Document.objects.visible_to(buyer)) == {spec, photo}
    assert set(Document.objects.visible_to(supplier)) == {spec, photo}
    assert not Document.objects.visible_to(supplier2).exists()
    f.end_partnership(buyer, supplier)  # the request is no longer the supplier's to see
    assert set(Document.objects.visible_to(supplier)) == {photo}
