"""The API's JSON parser: DRF's, with a ceiling on nesting.

Python's decoder recurses once per level: a body nested 100,000 deep raised RecursionError, which
DRF does not catch (a 500). No request body of this API nests more than a few levels.
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def depth(value, limit: int) -> int:
    """How deep ``value`` nests, counted without recursion and no further than ``limit`` + 1."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
        else:
            if depth(data, MAX_DEPTH) <= MAX_DEPTH:
                return data
        raise ParseError(_("The JSON body nests more than %(limit)s levels deep.") % {"limit": MAX_DEPTH})
