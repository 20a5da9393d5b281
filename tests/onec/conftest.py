import pytest

from tests.factories import api_key_for
from tests.onec.one_c import log_in_as_1c


@pytest.fixture
def one_c(client, supplier):
    """The client as 1C, logged in with an API key named "1C" of the supplier steel-works."""
    _key, raw = api_key_for(supplier, "1C")
    return log_in_as_1c(client, supplier.slug, raw)
