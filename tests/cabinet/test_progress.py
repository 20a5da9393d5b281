"""The order page's step indicator and "waiting for" line, read off the transitions table (issue 12)."""

import pytest
from django.urls import reverse

from cabinet import services
from cabinet.models import OrderState
from cabinet.progress import CURRENT, DONE, TODO, order_steps, usual_path, waiting_for
from cabinet.transitions import BUYER, SUPPLIER
from tests.cabinet import factories as f
from tests.factories import acting

pytestmark = pytest.mark.django_db

USUAL = ["placed", "confirmed", "in_progress", "shipped", "delivered", "completed"]


def _steps(order):
    return [(s.state, s.status) for s in order_steps(order)]


def test_it_reads_the_usual_life_off_the_transitions_table():
    assert list(usual_path()) == USUAL


def test_it_marks_the_steps_done_current_and_ahead(buyer, supplier):
    order = f.order(buyer, supplier, state=OrderState.SHIPPED)
    assert _steps(order) == [
        ("placed", DONE), ("confirmed", DONE), ("in_progress", DONE), ("shipped", CURRENT),
        ("delivered", TODO), ("completed", TODO),
    ]  # fmt: skip


def test_it_shows_where_a_cancelled_order_left_the_path(buyer, supplier):
    order = f.order(buyer, supplier, state=OrderState.CONFIRMED)
    order = services.order_transition(order=order, to="cancelled", actor=acting(buyer), comment="not needed")
    steps = order_steps(order)
    assert [(s.state, s.status) for s in steps] == [("placed", DONE), ("confirmed", DONE), ("cancelled", CURRENT)]
    assert steps[-1].detour


def test_a_disputed_order_can_still_be_completed(buyer, supplier):
    order = f.order(buyer, supplier, state=OrderState.DISPUTED)
    assert _steps(order)[-2:] == [("disputed", CURRENT), ("completed", TODO)]
    waiting = waiting_for(order, BUYER)
    assert str(waiting.who) == "the supplier" and str(waiting.what) == "answer the complaint"


def test_it_says_who_must_act(buyer, supplier):
    placed = f.order(buyer, supplier)
    assert (str(waiting_for(placed, BUYER).who), str(waiting_for(placed, BUYER).what)) == ("the supplier", "Confirm")
    assert waiting_for(placed, SUPPLIER).is_you
    shipped = f.order(buyer, supplier, state=OrderState.SHIPPED)
    assert str(waiting_for(shipped, SUPPLIER).who) == "the buyer"
    assert waiting_for(f.order(buyer, supplier, state=OrderState.COMPLETED), BUYER) is None


def test_the_order_page_shows_the_steps_the_waiting_line_and_breadcrumbs(login, alice, buyer, supplier):
    order = f.order(buyer, supplier, state=OrderState.CONFIRMED)
    page = login(alice).get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    assert 'id="order-steps"' in page and 'data-state="confirmed" aria-current="step"' in page
    assert "Waiting for <strong>the supplier</strong>: Start work" in page
    crumbs = page.split('class="breadcrumbs"')[1].split("</nav>")[0]
    assert reverse("cabinet:order_list") in crumbs and order.number in crumbs


def test_it_tells_the_side_that_must_act_that_it_is_its_move(login, sam, buyer, supplier):
    order = f.order(buyer, supplier)
    client = login(sam)
    page = client.get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    assert '<p class="waiting you" id="order-waiting"><strong>Your move:</strong> Confirm</p>' in page
    page = client.get(reverse("cabinet:order_detail", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<strong>Ваш ход:</strong> Подтвердить" in page
