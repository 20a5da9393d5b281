"""What the OpenAPI schema says beyond each view's own ``extend_schema``, in one place.

- Paged lists: a view marked ``@paged`` (``marketplace.api.pagination``) has its list wrapped in
  the page envelope, through the view's pagination class as drf-spectacular does for generic views.
- Errors: every operation lists the 4xx answers the API's shared machinery can give (bad input,
  no or a bad key, a role or side that may not, another tenant's or no object, the rate limit, a
  reused idempotency key...), each with the one ``Error`` body and an example, unless the view
  documents that status itself (e.g. a 409 with its ``code``).
- Every POST documents the ``Idempotency-Key`` header (``marketplace.api.idempotency``).
- Request bodies are documented as JSON only (see ``map_parsers``).
"""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

RowError = inline_serializer(
    "RowError",
    {
        "row": serializers.IntegerField(allow_null=True, help_text="The row of the file or item (1-based), if any."),
        "column": serializers.CharField(allow_null=True, help_text="The column or field, if any."),
        "message": serializers.CharField(),
    },
)


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer: a JSON object naming the problem in words a person understands.
    Which keys it has depends on the kind of error:

    - most errors: `detail`;
    - invalid fields: each field's name with its list of messages (`non_field_errors` for the body as a
      whole), e.g. `{"supplier": ["No active supplier “x”."]}`;
    - a price-list upload: `errors`, a list of `{row, column, message}`;
    - a refusal by the rules (409): `code` and `message` (an order's move also `allowed`)."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False, help_text="A stable code of a refusal, e.g. `not_live`.")
    message = serializers.CharField(required=False)
    errors = serializers.ListField(child=RowError, required=False)
    allowed = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        ref_name = "Error"


def _example(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True)


# status → (description, example body). The examples are answers the API really gives.
ERRORS = {
    "400": (
        "Bad input: a field error names the field; nothing was changed.",
        {"quantity": ["A valid number is required."]},
    ),
    "401": (
        "No key, or a key that is wrong or revoked.",
        {"detail": "Invalid or revoked API key."},
    ),
    "403": (
        "The key's organization (or its role) may not do this, e.g. a supplier placing an order.",
        {"detail": "Only a buyer organization may do this."},
    ),
    "404": (
        "No such object among those this organization may see (another organization's answers the same), "
        "or no such page of a list.",
        {"detail": "Not found."},
    ),
    "406": (
        "An `Accept` header that names no media type the API answers in (it answers `application/json`).",
        {"detail": "Could not satisfy the request Accept header."},
    ),
    "413": (
        "The request body is larger than the API takes.",
        {"detail": "The request body is too large."},
    ),
    "415": (
        "A body in a media type this operation does not read (send JSON, or multipart for files).",
        {"detail": 'Unsupported media type "text/plain" in request.'},
    ),
    "422": (
        "This `Idempotency-Key` was already used with another request.",
        {"detail": "This Idempotency-Key was already used with another request. Use a new key."},
    ),
    "429": (
        "Over the key's rate limit: wait the seconds of `Retry-After`.",
        {"detail": "Request was throttled. Expected available in 12 seconds."},
    ),
}
BODY_METHODS = ("POST", "PUT", "PATCH")

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Any unique string (e.g. a UUID): the same key and body within 24 hours answers the first "
    "answer again and does nothing; the same key with another body answers 422.",
)


class AutoSchema(openapi.AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST":
            parameters = [*parameters, IDEMPOTENCY_KEY]
        return parameters

    def map_parsers(self):
        """Bodies are documented as JSON: the form parsers are there for browsers and curl, and a body
        offered in three media types of one model makes generated clients send it wrongly. A view
        that takes files names its media types itself (``price-lists/``: multipart and JSON)."""
        return ["application/json"]

    def _map_basic_serializer(self, serializer, direction):
        """A serializer's ``Meta.optional_fields`` are left out of ``required``: fields only some
        readers get (e.g. what only the buyer of an auction sees)."""
        schema = super()._map_basic_serializer(serializer, direction)
        optional = set(getattr(getattr(serializer, "Meta", None), "optional_fields", ()))
        if optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema

    def _error_codes(self) -> list[str]:
        # a NUL in any query string is a 400; every view is keyed; every view negotiates its answer's type
        codes = ["400", "401", "403", "406", "429"]
        if "{" in self.path or (self.method == "GET" and self._get_paginator()):  # a ?page= past the end
            codes.append("404")
        if self.method in BODY_METHODS:
            codes += ["413", "415"]
        if self.method == "POST":
            codes.append("422")
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, response in responses.items():  # a view's own 4xx given only in words: the Error body
            if code.startswith("4") and "content" not in response:
                body = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["content"] = body["content"]
        for code in self._error_codes():
            if code in responses:
                continue
            description, body = ERRORS[code]
            response = OpenApiResponse(ErrorSerializer, description=description, examples=[_example(code, body)])
            responses[code] = self._get_response_for_code(response, code, direction=direction)
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before the next request.",
            }
        return dict(sorted(responses.items()))
