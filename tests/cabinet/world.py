"""One of every cabinet object, for the URL sweep (tests/test_url_sweep.py)."""

from cabinet import services
from tests.cabinet import factories as f
from tests.factories import acting


def build(cast) -> None:
    buyer, supplier, supplier2 = cast.buyer, cast.supplier, cast.supplier2
    rfq = f.rfq(buyer, [supplier, supplier2])
    services.document_attach(upload=f.pdf(), actor=acting(cast.alice), rfq=rfq)
    quote = f.quote(rfq, supplier)
    services.document_attach(upload=f.pdf(), actor=acting(cast.sam), quote=quote)
    services.comment_add(body="Hello", actor=acting(cast.sam), rfq=rfq)
    f.quote(f.rfq(buyer, [supplier2]), supplier2)
    order = f.order(buyer, supplier, state="disputed")
    services.document_attach(upload=f.png(), actor=acting(cast.sam), order=order)
    services.comment_add(body="When?", actor=acting(cast.alice), order=order)
    complaint = order.complaints.get()
    services.document_attach(upload=f.pdf(), actor=acting(cast.alice), complaint=complaint)
    f.order(buyer, supplier2, state="placed")
    services.proposal_create(
        supplier=supplier, buyer=buyer, actor=acting(cast.sam), sku="N-1", name="New thing", price="5"
    )
