"""A bounded schemathesis run over every operation of the published schema (issue 10, item 8).

The app is driven in this process through schemathesis's WSGI transport, with the world of
``tests/world.py`` (one of every tenant object) and an API key of the buyer, then of a supplier.
Every answer must be no 5xx, a status the schema documents for the operation, and a body and
content type the schema describes. Data valid by the schema and data that is not (negative mode)
are both sent, and the schema's own examples as they stand; the run is deterministic (derandomized)
and takes a few examples per operation.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.api.throttling import ApiKeyRateThrottle
from tests.caches import clear_cache
from tests.factories import api_key_for
from tests.world import world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=False)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 4  # per operation and generation mode
KEYS = itertools.count()


def _run(strategy, mode, headers: dict, failures: list, statuses: Counter, examples: int = EXAMPLES) -> None:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=["explicit", "generate"],  # no shrinking: every failure is recorded as it comes
    )
    @given(case=strategy)
    def probe(case):
        if case.headers and "Idempotency-Key" in case.headers:  # one key a case: reuse has its own tests
            case.headers["Idempotency-Key"] = f"st-{next(KEYS)}"
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, FailureGroup) as error:  # every failure is collected, then asserted
            found = error.exceptions if isinstance(error, FailureGroup) else [error]
            words = "; ".join(f"{getattr(f, 'title', '')}: {getattr(f, 'message', f)}" for f in found)
            failures.append(f"[{mode}] {case.as_curl_command()} → {response.status_code}: {words}")

    probe()


def _real_keys() -> dict[str, list]:
    """The ids (and slugs) of the world's objects by the path they appear in: every tenant's, so
    that the run also asks for other organizations' objects (which must answer 404)."""
    from auctions.models import Auction
    from cabinet.models import Order
    from marketplace.models import Organization, WebhookEndpoint
    from pricing.models import PriceList

    return {
        "/orders/": list(Order.objects.values_list("pk", flat=True)),
        "/auctions/": list(Auction.objects.values_list("pk", flat=True)),
        "/price-lists/": list(PriceList.objects.values_list("pk", flat=True)),
        "/webhooks/": list(WebhookEndpoint.objects.values_list("pk", flat=True)),
        "/suppliers/": list(Organization.objects.values_list("slug", flat=True)),
    }


def _no_network(request, timeout=None):
    raise OSError("no network in this test")


@pytest.fixture
def app():
    """Django's WSGI app, kept from closing the test's database connection at the end of each
    request (as Django's own test client does): the test's transaction holds the world."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def schema(world, app):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app)
    keys = _real_keys()

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        """Half the paths name an object that exists (somewhere), half whatever the schema allows."""
        path = context.operation.path
        for prefix, values in keys.items():
            if path.startswith(f"/api/v1{prefix}") and values:
                name = "slug" if prefix == "/suppliers/" else "id"
                return st.one_of(st.fixed_dictionaries({name: st.sampled_from(sorted(values))}), strategy)
        return strategy

    return schema


def test_every_operation_answers_as_the_schema_says(schema, world, settings, monkeypatch):  # noqa: F811
    settings.SYNC_SETTLE_SECONDS = 0
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "100000/min"})
    # Webhook addresses the run registers are neither looked up nor called: no network in the suite.
    settings.WEBHOOK_ALLOW_PRIVATE = True
    monkeypatch.setattr("marketplace.webhooks._opener.open", _no_network)
    clear_cache()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    failures: list[str] = []
    started = time.monotonic()
    for side in ("buyer", "supplier"):
        _key, raw = api_key_for(getattr(world, side))
        headers = {"Authorization": f"Bearer {raw}"}
        statuses: Counter = Counter()
        for operation in operations:
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                _run(operation.as_strategy(generation_mode=mode), mode, headers, failures, statuses)
            documented = schema.get_strategies_from_examples(operation)  # the schema's own examples, as they are
            if documented:
                _run(st.one_of(documented), "examples", headers, failures, statuses, examples=len(documented))
        print(f"schemathesis as {side}: {sum(statuses.values())} requests, {dict(statuses)}")
        assert statuses[429] == 0 and statuses[401] == 0  # the run was not throttled, the key held
        assert sum(n for code, n in statuses.items() if code < 300) >= 40, statuses  # it got past the door
    took = time.monotonic() - started
    clear_cache()
    assert failures == [], "\n\n".join(failures[:30])
    print(f"schemathesis: {len(operations)} operations as buyer and supplier in {took:.1f} s")
    assert took < 120  # bounded: about 40 s on a quiet machine
