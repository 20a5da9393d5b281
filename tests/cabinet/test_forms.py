"""Form fields of the cabinet."""

from cabinet.forms import is_id
from tests.cabinet import factories as f


def test_it_tells_ids_from_what_cannot_be_one():
    assert is_id(1) and is_id("42") and is_id(" 7 ") and is_id(2**63 - 1)
    assert not any(is_id(v) for v in (0, -1, 2**63, f.BIG, "abc", "1.5", "", None, True, "٣", 1.0))
