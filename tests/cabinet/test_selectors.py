"""What each organization is shown: the selectors' scoping."""

from cabinet import selectors
from tests.cabinet import factories as f


def test_it_keeps_showing_an_active_partner_its_unanswered_requests(buyer, supplier):
    rfq = f.rfq(buyer, [supplier])
    assert list(selectors.rfq_list(organization=supplier)) == [rfq]
    assert list(selectors.waiting_for(organization=supplier)["rfqs_to_answer"]) == [rfq]
