"""The standard cast (healthchecks' alice/bob/charlie, in procurement dress):

- ``buyer`` with ``alice`` (owner), ``paul`` (procurement), ``mary`` (manager), ``rita`` (read-only)
- ``supplier`` (``sam``, owner) and ``supplier2`` (``sue``, owner), both active partners of ``buyer``
- ``outsider_buyer`` (``oscar``) and ``outsider_supplier`` (``olga``): another tenant entirely
"""

import os

import pytest
from django.db import connection, connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests import factories
from tests.factories import PASSWORD

pytest_plugins = ["tests.browser", "tests.exchange_1c"]

# Hypothesis (tests/pricing/test_fuzz_importers.py): the suite runs a few fixed examples of each
# property; `make fuzz` runs the deep profile (HYPOTHESIS_PROFILE=deep, FUZZ_EXAMPLES a property,
# 3000 by default), which keeps what it finds in .hypothesis/ so that a failure replays.
_UNDER_LOAD = [HealthCheck.too_slow, HealthCheck.data_too_large]  # a busy machine is no failure of the importers
hypothesis_settings.register_profile(
    "suite",
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_UNDER_LOAD,
)
hypothesis_settings.register_profile(
    "deep",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 3000)),
    deadline=None,
    print_blob=True,
    suppress_health_check=_UNDER_LOAD,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

# No persistent connections in tests (settings default to 60 s): a worker thread's idle connection
# would block dropping the test database. Also for the daphne processes tests start (their env).
os.environ["CONN_MAX_AGE"] = "0"
for _alias in connections.settings:
    connections.settings[_alias]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_immediately():
    """Background tasks run inline, as huey recommends for tests (tests/marketplace/test_tasks.py
    also runs a real consumer)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = settings.BASE_DIR / "media-test" / os.environ.get("PYTEST_XDIST_WORKER", "main")
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ACCOUNT_RATE_LIMITS = False
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if "KEY_PREFIX" in settings.CACHES["default"]:  # Redis: this worker's keys only (tests/caches.py)
        settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{worker}-{os.getpid()}"}}
    for layer in settings.CHANNEL_LAYERS.values():
        if "CONFIG" in layer:  # workers of one run must not hear each other's groups on the shared Redis
            layer["CONFIG"]["prefix"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    on_redis = bool(settings.REDIS_URL)
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL row locks"))
        if "multiprocess" in item.keywords and not (on_postgres and on_redis):
            item.add_marker(pytest.mark.skip(reason="needs several processes on PostgreSQL and Redis"))


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def buyer(db):
    return factories.BuyerFactory(name="Acme Buying", slug="acme")


@pytest.fixture
def alice(buyer):
    return factories.member(buyer, "owner", "alice@acme.test")


@pytest.fixture
def paul(buyer):
    return factories.member(buyer, "procurement", "paul@acme.test")


@pytest.fixture
def mary(buyer):
    return factories.member(buyer, "manager", "mary@acme.test")


@pytest.fixture
def rita(buyer):
    return factories.member(buyer, "member", "rita@acme.test")


@pytest.fixture
def supplier(buyer):
    org = factories.SupplierFactory(name="Steel Works", slug="steel-works")
    factories.PartnershipFactory(buyer=buyer, supplier=org)
    return org


@pytest.fixture
def sam(supplier):
    return factories.member(supplier, "owner", "sam@steel.test")


@pytest.fixture
def supplier2(buyer):
    org = factories.SupplierFactory(name="Bolt House", slug="bolt-house")
    factories.PartnershipFactory(buyer=buyer, supplier=org)
    return org


@pytest.fixture
def sue(supplier2):
    return factories.member(supplier2, "owner", "sue@bolt.test")


# Rows of the other tenant get ids from here up, so that a sweep over the ids of our tenant's
# objects never lands on something the outsider may legitimately see.
OUTSIDER_PK = 1_000_000


@pytest.fixture
def outsider_buyer(db):
    return factories.BuyerFactory(pk=OUTSIDER_PK + 1, name="Other Corp", slug="other-corp")


@pytest.fixture
def oscar(outsider_buyer):
    user = factories.UserFactory(pk=OUTSIDER_PK + 1, email="oscar@other.test")
    factories.MembershipFactory(pk=OUTSIDER_PK + 1, user=user, organization=outsider_buyer, role="owner")
    return user


@pytest.fixture
def outsider_supplier(outsider_buyer):
    org = factories.SupplierFactory(pk=OUTSIDER_PK + 2, name="Far Away Ltd", slug="far-away")
    factories.PartnershipFactory(pk=OUTSIDER_PK + 2, buyer=outsider_buyer, supplier=org)
    return org


@pytest.fixture
def olga(outsider_supplier):
    user = factories.UserFactory(pk=OUTSIDER_PK + 2, email="olga@far.test")
    factories.MembershipFactory(pk=OUTSIDER_PK + 2, user=user, organization=outsider_supplier, role="owner")
    return user


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def login(client):
    """``login(user)`` gives the test client logged in as that user (first organization active)."""

    def do(user):
        return _client_for(client, user)

    return do


@pytest.fixture
def api(db):
    """``api(organization)`` gives a DRF APIClient authenticated by a fresh key of that organization."""
    from rest_framework.test import APIClient

    def make(organization):
        _key, raw = factories.api_key_for(organization)
        api_client = APIClient()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api_client

    return make


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started after the test database exists so that it stops (and
    closes its connections) before the database is dropped."""
    return live_server
