from django.core import mail
from django.utils import translation

from cabinet import services
from marketplace.models import User
from tests.cabinet import factories as f
from tests.factories import acting


def test_it_remembers_the_language_a_person_uses(client, alice):
    client.force_login(alice)
    client.cookies["django_language"] = "vi"
    client.get("/")
    assert User.objects.get(pk=alice.pk).language == "vi"


def test_it_writes_each_email_in_the_recipients_language(
    buyer, alice, supplier, sam, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=sam.pk).update(language="ru")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        order = services.order_create(
            buyer=buyer, supplier=supplier, channel="web", lines=f.lines(1), actor=acting(alice)
        )
    sent = [m for m in mail.outbox if sam.email in m.to]
    assert len(sent) == 1
    assert sent[0].subject.startswith("Новый заказ") and order.number in sent[0].subject
    assert "http://127.0.0.1:8000/" in sent[0].body  # links in mail are absolute
